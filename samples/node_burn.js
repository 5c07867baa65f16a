// A Node.js workload with a known CPU profile, for --runtime-profile tests:
// the main thread spends 75% of its time in hotA and 25% in hotB (by the
// clock, so the split holds on a loaded machine), yielding to the event
// loop between rounds so the inspector's messages are served. Prints
// "ready" once running.
'use strict';

function spin(ms) {
	const end = Date.now() + ms;
	let x = 0;
	for (;;) {
		for (let i = 0; i < 20000; i++)
			x += Math.sqrt(i) * 1.0001;
		if (Date.now() >= end)
			return x;
	}
}

function hotA() { return spin(15); }
function hotB() { return spin(5); }

let sink = 0;
function round() {
	sink += hotA();
	sink += hotB();
	setImmediate(round);
}

console.log('ready');
round();
