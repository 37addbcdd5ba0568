#!/usr/bin/env node
// Launch to first interactive frame and peak memory of the wizard, next to a
// bare Ink hello-world as the floor. Both run in a real terminal (tmux), and the
// first frame is when its text appears in capture-pane (polled every 10 ms);
// peak RSS is the process's own maxRSS, written at exit (bench/report-rss.mjs).
//
// Usage: npm run world:up && npm run build && node bench/tui-startup.mjs [rounds=5]
// The wizard needs an engine; it shows its container screen for a labelled
// container this script starts and removes.
import { execa } from 'execa';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWorldEnv } from '../test/world/world-env.mjs';

const rounds = Number(process.argv[2] ?? 5);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tmux = (...args) => execa('tmux', args, { timeout: 10_000 });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function firstFrame(label, text, command) {
	const dir = mkdtempSync(join(tmpdir(), 'uw-startup-'));
	const rss = join(dir, 'rss');
	const session = `uw-bench-${process.pid}`;
	const t0 = performance.now();
	const [node, ...rest] = command;
	await tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30', '-e', `XDG_STATE_HOME=${dir}`, '-e', `UW_RSS_FILE=${rss}`, '--', node, '--import', join(root, 'bench/report-rss.mjs'), ...rest);
	let ms;
	for (let i = 0; i < 1000 && ms === undefined; i++) {
		const { stdout } = await tmux('capture-pane', '-p', '-t', session).catch(() => ({ stdout: '' }));
		if (stdout.includes(text)) ms = performance.now() - t0;
		else await sleep(10);
	}
	await tmux('send-keys', '-t', session, 'q').catch(() => undefined);
	for (let i = 0; i < 300 && !existsSync(rss); i++) await sleep(20);
	await tmux('kill-session', '-t', session).catch(() => undefined);
	const peakKiB = Number(readFileSync(rss, 'utf8').trim().split('\n').at(-1));
	if (ms === undefined) throw new Error(`${label}: no frame with ${text}`);
	return { ms, peakMiB: peakKiB / 1024 };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const name = `uw-bench-startup-${process.pid}`;
const world = readWorldEnv();
await execa('docker', ['create', '--name', name, '--label', 'io.upgrade-wizard.test=1', `${world.UW_APP_REPO}:1.6.0`]);
// A session that outlives each measured one keeps the tmux server up between runs.
await tmux('new-session', '-d', '-s', `uw-bench-keeper-${process.pid}`, '-x', '20', '-y', '5');
try {
	const results = { hello: [], wizard: [] };
	for (let round = 0; round < rounds; round++) {
		results.hello.push(await firstFrame('hello', 'hello from ink', [process.execPath, join(root, 'bench/ink-hello.mjs')]));
		results.wizard.push(await firstFrame('wizard', name, [process.execPath, join(root, 'bin/upgrade-wizard.js'), '--container', name]));
	}
	const summary = (list) => ({ firstFrameMs: Math.round(median(list.map((r) => r.ms))), peakMiB: Math.round(median(list.map((r) => r.peakMiB))) });
	console.log(JSON.stringify({ rounds, inkHello: summary(results.hello), wizardContainerScreen: summary(results.wizard) }));
} finally {
	await tmux('kill-session', '-t', `uw-bench-keeper-${process.pid}`).catch(() => undefined);
	await execa('docker', ['rm', '-f', name], { reject: false });
}
