#!/usr/bin/env node
// CPU while the progress screen renders 20 concurrent simulated pulls: 20
// containers, each sending a pull progress event every 5 ms (4000 events/s) for
// 10 s, through the run store (throttled to ~15 redraws/s) into the real
// progress view. Reports CPU time used per wall second and the redraw count.
//
// Usage: npm run build && node bench/render-cpu.mjs [seconds=10]
import React from 'react';
import { EventEmitter } from 'node:events';
import { render } from 'ink';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

process.env.CI = 'false';
const seconds = Number(process.argv[2] ?? 10);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { createRunStore } = await import(join(root, 'dist/core/run-state.js'));
const { RunProgress } = await import(join(root, 'dist/ui/run-progress.js'));

class Screen extends EventEmitter {
	columns = 100;
	rows = 30;
	isTTY = true;
	frames = 0;
	write = () => {
		this.frames++;
		return true;
	};
}

const names = Array.from({ length: 20 }, (_, i) => `node-${String(i + 1).padStart(2, '0')}`);
const plans = names.map((name) => ({ name, from: 'acme/app:1.6.0', to: 'acme/app:1.7.0', hops: [], steps: ['pull'], stops: name, health: 'healthcheck' }));
const store = createRunStore();
const t0 = Date.now();
store.dispatch({ type: 'run-started', runId: 'bench', containers: names, dryRun: false, at: t0 });
for (const name of names) store.dispatch({ type: 'step-started', container: name, step: 'pull', detail: 'acme/app:1.7.0', at: t0 });

function View() {
	const state = React.useSyncExternalStore(store.subscribe, store.getSnapshot);
	return React.createElement(RunProgress, { state, plans, tag: '1.7.0', layersOpen: false, height: 24 });
}

const screen = new Screen();
const instance = render(React.createElement(View), { stdout: screen, stdin: new EventEmitter(), exitOnCtrlC: false, maxFps: 15, patchConsole: false });
const total = 200 * 1024 * 1024;
let sent = 0;
const cpu0 = process.cpuUsage();
const start = performance.now();
await new Promise((resolve) => {
	const timer = setInterval(() => {
		const elapsed = performance.now() - start;
		for (const name of names) {
			const current = Math.min(total * 2, Math.round((elapsed / (seconds * 1000)) * total * 2));
			store.dispatch({ type: 'progress', container: name, step: 'pull', progress: { current, total: total * 2, layersDone: 0, layersKnown: 5 }, at: Date.now() });
			sent++;
		}
		if (elapsed >= seconds * 1000) {
			clearInterval(timer);
			resolve();
		}
	}, 5);
});
const wall = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpu0);
instance.unmount();
console.log(
	JSON.stringify({
		seconds: Number(wall.toFixed(1)),
		events: sent,
		eventsPerSecond: Math.round(sent / wall),
		framesWritten: screen.frames,
		framesPerSecond: Number((screen.frames / wall).toFixed(1)),
		cpuPercentOfOneCore: Number((((cpu.user + cpu.system) / 1e6 / wall) * 100).toFixed(1)),
	}),
);
process.exit(0);
