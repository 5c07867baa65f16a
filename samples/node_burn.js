// A Node.js workload with a known CPU profile, for --runtime-profile tests:
// the main thread spends 75% of its time in hotA and 25% in hotB (by the
// clock, so the split holds on a loaded machine), yielding to the event
// loop between rounds so the inspector's messages are served. Prints
// "ready" once running.
//
// Run it as `node --no-turbo-inlining node_burn.js`. Two things V8 does
// would otherwise rightly move the samples elsewhere: TurboFan inlines
// small hot functions into their caller (the profile then names round),
// and a profile started while a long-running function sits in code
// compiled on-stack (OSR) before the profiler started charges that
// function's samples to its caller. So the hot functions are short calls
// (~0.1 ms each), and the clock is read by their caller.
'use strict';

function hotA() {
	let x = 0;
	for (let i = 0; i < 5000; i++)
		x += Math.sqrt(i) * 1.0001;
	return x;
}

function hotB() {
	let x = 0;
	for (let i = 0; i < 5000; i++)
		x += Math.sqrt(i) * 1.0002;
	return x;
}

let sink = 0;
function round() {
	let end = Date.now() + 15;
	while (Date.now() < end)
		sink += hotA();
	end = Date.now() + 5;
	while (Date.now() < end)
		sink += hotB();
	setImmediate(round);
}

console.log('ready');
round();
