#!/usr/bin/env node
// Launch to first interactive frame and peak memory of the wizard, next to a
// bare Ink hello-world as the floor: the same hello bundled by esbuild as the
// wizard is (the real floor) and loaded from node_modules. All run in a real
// terminal (tmux); a frame counts when its text appears in capture-pane (polled
// every 10 ms). Peak RSS is the process's own maxRSS, written at exit
// (bench/report-rss.mjs), which also notes, from inside the process, when the
// frame's text was written and the CPU time spent until then. `docker ps` (the CLI, to its exit) is the engine
// round trip the wizard cannot beat.
//
// Usage: npm run world:up && npm run build && node bench/tui-startup.mjs [rounds=5]
// The wizard needs an engine; it shows its container screen for a labelled
// container this script starts and removes.
import { execa } from 'execa';
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWorldEnv } from '../test/world/world-env.mjs';
import { narrowGlyphs } from '../scripts/narrow-glyphs.mjs';
import { yogaWithoutFetch } from '../scripts/yoga-without-fetch.mjs';

const rounds = Number(process.argv[2] ?? 5);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tmux = (...args) => execa('tmux', args, { timeout: 10_000 });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The hello through the wizard's own bundle settings (scripts/bundle.mjs), so only the code differs. */
async function bundledHello() {
	const outfile = join(mkdtempSync(join(tmpdir(), 'uw-hello-')), 'hello.mjs');
	await build({
		entryPoints: [join(root, 'bench/ink-hello.mjs')],
		outfile,
		bundle: true,
		format: 'esm',
		platform: 'node',
		target: 'node20',
		logLevel: 'warning',
		define: { 'process.env.NODE_ENV': '"production"' },
		alias: { 'react-devtools-core': join(root, 'scripts/empty-module.mjs') },
		plugins: [yogaWithoutFetch(), narrowGlyphs()],
		banner: { js: "import { createRequire as __uwCreateRequire } from 'node:module'; const require = __uwCreateRequire(import.meta.url);" },
	});
	return outfile;
}

/** ms to the first non-blank pane (paint) and to `text` (frame). */
async function firstFrame(label, text, command) {
	const dir = mkdtempSync(join(tmpdir(), 'uw-startup-'));
	const rss = join(dir, 'rss');
	const session = `uw-bench-${process.pid}`;
	const t0 = performance.now();
	const [node, ...rest] = command;
	await tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30', '-e', `XDG_STATE_HOME=${dir}`, '-e', `UW_RSS_FILE=${rss}`, '-e', `UW_FRAME_TEXT=${text}`, '--', node, '--import', join(root, 'bench/report-rss.mjs'), ...rest);
	let ms;
	let paintMs;
	for (let i = 0; i < 1000 && ms === undefined; i++) {
		const { stdout } = await tmux('capture-pane', '-p', '-t', session).catch(() => ({ stdout: '' }));
		if (paintMs === undefined && stdout.trim() !== '') paintMs = performance.now() - t0;
		if (stdout.includes(text)) ms = performance.now() - t0;
		else await sleep(10);
	}
	await tmux('send-keys', '-t', session, 'q').catch(() => undefined);
	for (let i = 0; i < 300 && !existsSync(rss); i++) await sleep(20);
	await tmux('kill-session', '-t', session).catch(() => undefined);
	const lines = readFileSync(rss, 'utf8').trim().split('\n');
	const peakKiB = Number(lines.at(-1));
	if (ms === undefined || lines.length < 2) throw new Error(`${label}: no frame with ${text}`);
	// The process's own view: since its start, to the write that put the text on the terminal.
	const inner = JSON.parse(lines[0]);
	return { ms, paintMs, innerMs: inner.ms, cpuMs: inner.cpuMs, peakMiB: peakKiB / 1024 };
}

async function dockerPs() {
	const t0 = performance.now();
	await execa('docker', ['ps', '-a']);
	return { ms: performance.now() - t0 };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const name = `uw-bench-startup-${process.pid}`;
const world = readWorldEnv();
const hello = await bundledHello();
await execa('docker', ['create', '--name', name, '--label', 'io.upgrade-wizard.test=1', `${world.UW_APP_REPO}:1.6.0`]);
// A session that outlives each measured one keeps the tmux server up between runs.
await tmux('new-session', '-d', '-s', `uw-bench-keeper-${process.pid}`, '-x', '20', '-y', '5');
try {
	const results = { bundledHello: [], inkHello: [], wizard: [], dockerPs: [] };
	for (let round = 0; round < rounds; round++) {
		results.bundledHello.push(await firstFrame('bundled hello', 'hello from ink', [process.execPath, hello]));
		results.inkHello.push(await firstFrame('hello', 'hello from ink', [process.execPath, join(root, 'bench/ink-hello.mjs')]));
		results.wizard.push(await firstFrame('wizard', name, [process.execPath, join(root, 'bin/upgrade-wizard.js'), '--container', name]));
		results.dockerPs.push(await dockerPs());
	}
	const summary = (list) => ({
		firstFrameMs: Math.round(median(list.map((r) => r.ms))),
		...(list[0].paintMs !== undefined ? { firstPaintMs: Math.round(median(list.map((r) => r.paintMs))) } : {}),
		...(list[0].innerMs !== undefined ? { innerMs: Math.round(median(list.map((r) => r.innerMs))), cpuMs: Math.round(median(list.map((r) => r.cpuMs))) } : {}),
		...(list[0].peakMiB !== undefined ? { peakMiB: Math.round(median(list.map((r) => r.peakMiB))) } : {}),
	});
	const out = Object.fromEntries(Object.entries(results).map(([key, list]) => [key, summary(list)]));
	const floor = out.bundledHello;
	console.log(
		JSON.stringify({
			rounds,
			...out,
			ratios: {
				wizardFrameOverBundledHello: +(out.wizard.firstFrameMs / floor.firstFrameMs).toFixed(2),
				wizardPaintOverBundledHello: +(out.wizard.firstPaintMs / floor.firstFrameMs).toFixed(2),
				wizardRssOverBundledHello: +(out.wizard.peakMiB / floor.peakMiB).toFixed(2),
				wizardInnerOverBundledHello: +(out.wizard.innerMs / floor.innerMs).toFixed(2),
				wizardCpuOverBundledHello: +(out.wizard.cpuMs / floor.cpuMs).toFixed(2),
			},
		}),
	);
} finally {
	await tmux('kill-session', '-t', `uw-bench-keeper-${process.pid}`).catch(() => undefined);
	await execa('docker', ['rm', '-f', name], { reject: false });
}
