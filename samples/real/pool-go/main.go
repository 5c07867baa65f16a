// pool-go: a Go service that calls one upstream through net/http with a
// per-host connection limit (Transport.MaxConnsPerHost), as apps configure it.
//
//	pool-go -url http://127.0.0.1:PORT/ -cap 7 -rate 30 -wait 1s -ramp 15s
//
// Requests arrive at -rate per second (after a -ramp from 5% of it), each in
// its own goroutine (as a server handling incoming work would). When all -cap
// connections are busy, the Transport queues the request inside the process:
// the sockets' queues stay empty while it waits. A request that gets no connection within -wait is
// abandoned and logged at ERROR, as an app with an acquire timeout does; one
// that got a connection is never cancelled in flight (that would close the
// connection and hide the cap behind churn). Log lines go to stdout.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

var logMu sync.Mutex

func logf(level, format string, a ...interface{}) {
	logMu.Lock()
	defer logMu.Unlock()
	fmt.Fprintf(os.Stdout, "%s %s %s\n", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), level,
		fmt.Sprintf(format, a...))
}

func main() {
	url := flag.String("url", "", "upstream URL")
	limit := flag.Int("cap", 7, "Transport.MaxConnsPerHost")
	rate := flag.Float64("rate", 30, "requests per second")
	wait := flag.Duration("wait", time.Second, "longest wait for a connection before giving up")
	ramp := flag.Duration("ramp", 0, "rise from 5% of -rate to -rate over this long")
	flag.Parse()
	if *url == "" || *limit < 1 || *rate <= 0 {
		fmt.Fprintln(os.Stderr, "usage: pool-go -url URL [-cap N] [-rate R] [-wait DUR]")
		os.Exit(2)
	}
	tr := &http.Transport{
		MaxConnsPerHost:     *limit,
		MaxIdleConnsPerHost: *limit,
		IdleConnTimeout:     5 * time.Minute,
	}
	client := &http.Client{Transport: tr}
	var ok, failed int64
	logf("INFO", "pool-go started: cap %d, %.1f requests/s to %s", *limit, *rate, *url)

	one := func(id int64) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var got int32
		timer := time.AfterFunc(*wait, func() {
			if atomic.LoadInt32(&got) == 0 {
				cancel()
			}
		})
		trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) {
			atomic.StoreInt32(&got, 1)
			timer.Stop()
		}}
		req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), "GET", *url, nil)
		if err != nil {
			logf("ERROR", "request %d: %v", id, err)
			return
		}
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			n := atomic.AddInt64(&failed, 1)
			if atomic.LoadInt32(&got) == 0 {
				logf("ERROR", "request %d to upstream failed: no connection within %v (pool of %d busy), %d failed so far",
					id, *wait, *limit, n)
			} else {
				logf("ERROR", "request %d to upstream failed: %v", id, err)
			}
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		atomic.AddInt64(&ok, 1)
		if d := time.Since(start); d > 2**wait {
			logf("WARN", "request %d slow: %v", id, d.Round(time.Millisecond))
		}
	}

	// Arrivals on a schedule (not a ticker that drops ticks under load).
	begin := time.Now()
	next := begin
	lastStats := begin
	var id int64
	for {
		r := *rate
		if el := time.Since(begin); el < *ramp {
			r *= 0.05 + 0.95*float64(el)/float64(*ramp)
		}
		next = next.Add(time.Duration(float64(time.Second) / r))
		time.Sleep(time.Until(next))
		id++
		go one(id)
		if time.Since(lastStats) >= 10*time.Second {
			lastStats = time.Now()
			logf("INFO", "%d requests ok, %d failed", atomic.LoadInt64(&ok), atomic.LoadInt64(&failed))
		}
	}
}
