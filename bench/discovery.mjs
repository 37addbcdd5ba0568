#!/usr/bin/env node
// Discovery at scale: 300 containers (FROM-scratch busybox sleepers built on the
// world's base image, labelled, removed at the end) on the engine, then, for
// each round: `docker ps -a` (the CLI, to its exit) as the floor; the wizard's
// container screen ready in a real terminal (tmux, capture-pane polled every
// 10 ms) until it shows the row count, and until the first row's uptime (the
// inspects that follow the list) is there; and `--dry-run --image REPO`
// planning all of them to the next version. Medians and ratios to `docker ps -a`.
// Then, once, the screen at 80x24 with every row: keypress to redraw for down,
// page down and the filter's keystrokes.
//
// Usage: npm run world:up && npm run build && node bench/discovery.mjs [rounds=5] [containers=300]
import { execa } from 'execa';
import Docker from 'dockerode';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWorldEnv } from '../test/world/world-env.mjs';

const rounds = Number(process.argv[2] ?? 5);
const count = Number(process.argv[3] ?? 300);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const world = readWorldEnv();
const docker = new Docker();
const tmux = (...args) => execa('tmux', args, { timeout: 10_000 });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const repo = `${world.UW_REGISTRY}/uw-bench-discovery/sleeper`;
const prefix = `uw-disc-${process.pid}`;
const env = { ...process.env, DOCKER_HOST: world.DOCKER_HOST };

/** Two versions of a sleeper on the world's base image (busybox), pushed so the planner finds a target. */
async function prepareImages() {
	const { stdout } = await execa('docker', ['images', 'upgrade-wizard-world/base', '--format', '{{.Repository}}:{{.Tag}}']);
	const base = stdout.split('\n').find(Boolean);
	if (!base) throw new Error('no upgrade-wizard-world/base image: run npm run world:up');
	for (const version of ['1.0.0', '1.0.1']) {
		const dockerfile = `FROM ${base}\nLABEL io.upgrade-wizard.test=1 io.upgrade-wizard.bench=discovery org.opencontainers.image.version=${version}\nCMD ["sleep", "3600"]\n`;
		await execa('docker', ['build', '-q', '-t', `${repo}:${version}`, '-'], { input: dockerfile });
		await execa('docker', ['push', '-q', `${repo}:${version}`]);
	}
}

/** Created and started 16 at a time through the Engine API (a CLI process each would take minutes here). */
async function startSleepers() {
	const names = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);
	for (let i = 0; i < names.length; i += 16) {
		await Promise.all(
			names.slice(i, i + 16).map(async (name) => {
				const container = await docker.createContainer({
					name,
					Image: `${repo}:1.0.0`,
					Labels: { 'io.upgrade-wizard.test': '1', 'io.upgrade-wizard.bench': 'discovery' },
					HostConfig: { NetworkMode: 'none' },
				});
				await container.start();
			}),
		);
	}
}

async function removeSleepers() {
	const rows = await docker.listContainers({ all: true, filters: { label: ['io.upgrade-wizard.bench=discovery'] } });
	for (let i = 0; i < rows.length; i += 16) {
		await Promise.all(rows.slice(i, i + 16).map((row) => docker.getContainer(row.Id).remove({ force: true }).catch(() => undefined)));
	}
}

async function timed(command, args) {
	const t0 = performance.now();
	const result = await execa(command, args, { env, reject: false, timeout: 300_000 });
	const ms = performance.now() - t0;
	if (result.exitCode !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${result.exitCode}: ${result.stderr.slice(-400)}`);
	return { ms, stdout: result.stdout };
}

/** ms to the header that counts the rows, and to the first row with an uptime (its inspect answered). */
async function screenReady() {
	const session = `uw-disc-${process.pid}`;
	const state = mkdtempSync(join(tmpdir(), 'uw-disc-state-'));
	const t0 = performance.now();
	await tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', '-e', `XDG_STATE_HOME=${state}`, '--', process.execPath, join(root, 'bin/upgrade-wizard.js'), '--image', repo);
	let readyMs;
	let detailsMs;
	let pane = '';
	try {
		for (let i = 0; i < 3000 && detailsMs === undefined; i++) {
			pane = (await tmux('capture-pane', '-p', '-t', session).catch(() => ({ stdout: '' }))).stdout;
			if (readyMs === undefined && pane.includes(`${count} of `)) readyMs = performance.now() - t0;
			if (readyMs !== undefined && pane.split('\n').some((line) => line.includes(prefix) && / up \d/.test(line))) detailsMs = performance.now() - t0;
			else await sleep(10);
		}
	} finally {
		await tmux('send-keys', '-t', session, 'q').catch(() => undefined);
		await sleep(300);
		await tmux('kill-session', '-t', session).catch(() => undefined);
	}
	if (readyMs === undefined || detailsMs === undefined) throw new Error(`the container screen never showed ${count} rows with uptimes:\n${pane}`);
	return { readyMs, detailsMs };
}

/** ms from a key sent to tmux to the pane showing its effect (capture-pane polled back to back). */
async function keyToRedraw(session, keys, done) {
	const t0 = performance.now();
	await tmux('send-keys', '-t', session, ...keys);
	for (let i = 0; i < 2000; i++) {
		const pane = (await tmux('capture-pane', '-p', '-t', session).catch(() => ({ stdout: '' }))).stdout;
		if (done(pane)) return performance.now() - t0;
	}
	throw new Error(`no redraw after ${keys.join(' ')}`);
}

const cursorName = (pane) => /› \[.\] (\S+)/.exec(pane)?.[1];

/**
 * The container screen with every row listed at 80x24: keypress to redraw for
 * down, page down and each filter keystroke, medians (their resolution is one
 * capture-pane round trip, a few ms, more on a loaded machine).
 */
async function keysAt80x24() {
	const session = `uw-disc-keys-${process.pid}`;
	const state = mkdtempSync(join(tmpdir(), 'uw-disc-state-'));
	await tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', '-e', `XDG_STATE_HOME=${state}`, '--', process.execPath, join(root, 'bin/upgrade-wizard.js'), '--image', repo);
	try {
		for (let i = 0; i < 3000; i++) {
			const pane = (await tmux('capture-pane', '-p', '-t', session).catch(() => ({ stdout: '' }))).stdout;
			if (pane.includes(`${count} of `) && / up \d/.test(pane)) break;
			await sleep(10);
		}
		const down = [];
		for (let i = 0; i < 20; i++) {
			const pane = (await tmux('capture-pane', '-p', '-t', session)).stdout;
			const before = cursorName(pane);
			down.push(await keyToRedraw(session, ['Down'], (now) => cursorName(now) !== undefined && cursorName(now) !== before));
		}
		const pageDown = [];
		for (let i = 0; i < 5; i++) {
			const before = cursorName((await tmux('capture-pane', '-p', '-t', session)).stdout);
			pageDown.push(await keyToRedraw(session, ['PageDown'], (now) => cursorName(now) !== undefined && cursorName(now) !== before));
		}
		const filter = [];
		await keyToRedraw(session, ['/'], (now) => now.includes('filter: '));
		let typed = '';
		for (const char of `-${String(count - 1)}`) {
			typed += char;
			filter.push(await keyToRedraw(session, ['-l', char], (now) => now.includes(`filter: ${typed}`)));
		}
		const filtered = (await tmux('capture-pane', '-p', '-t', session)).stdout;
		if (!filtered.includes(`${prefix}-${String(count - 1).padStart(3, '0')}`)) throw new Error(`the filter did not find the last sleeper:\n${filtered}`);
		const clear = await keyToRedraw(session, ['Escape'], (now) => !now.includes('filter:'));
		return { downMs: median(down), pageDownMs: median(pageDown), filterKeyMs: median(filter), filterClearMs: clear };
	} finally {
		await tmux('send-keys', '-t', session, 'q').catch(() => undefined);
		await sleep(300);
		await tmux('kill-session', '-t', session).catch(() => undefined);
	}
}

await tmux('new-session', '-d', '-s', `uw-disc-keeper-${process.pid}`, '-x', '20', '-y', '5');
try {
	await prepareImages();
	await startSleepers();
	const ps = [];
	const screen = [];
	const plan = [];
	let planned = '';
	for (let round = 0; round < rounds; round++) {
		const listing = await timed('docker', ['ps', '-a']);
		if (listing.stdout.split('\n').filter((line) => line.includes(prefix)).length !== count) throw new Error('docker ps -a does not list every sleeper');
		ps.push(listing.ms);
		screen.push(await screenReady());
		const dry = await timed(process.execPath, [join(root, 'bin/upgrade-wizard.js'), '--dry-run', '--image', repo, '--to', '1.0.1', '--skip-backup']);
		planned = dry.stdout;
		plan.push(dry.ms);
	}
	const keys = await keysAt80x24();
	const plannedUnits = planned.split('\n').filter((line) => line.includes(prefix)).length;
	const floor = median(ps);
	const out = {
		rounds,
		containers: count,
		dockerPsAllMs: Math.round(floor),
		screenReadyMs: Math.round(median(screen.map((r) => r.readyMs))),
		screenDetailsMs: Math.round(median(screen.map((r) => r.detailsMs))),
		dryRunPlanMs: Math.round(median(plan)),
		dryRunLinesNamingSleepers: plannedUnits,
		keysAt80x24: Object.fromEntries(Object.entries(keys).map(([key, ms]) => [key, Math.round(ms)])),
	};
	console.log(
		JSON.stringify({
			...out,
			ratios: {
				screenReadyOverDockerPs: +(out.screenReadyMs / floor).toFixed(2),
				screenDetailsOverDockerPs: +(out.screenDetailsMs / floor).toFixed(2),
				dryRunOverDockerPs: +(out.dryRunPlanMs / floor).toFixed(2),
			},
		}),
	);
} finally {
	await tmux('kill-session', '-t', `uw-disc-keeper-${process.pid}`).catch(() => undefined);
	await removeSleepers();
	await execa('docker', ['rmi', `${repo}:1.0.0`, `${repo}:1.0.1`], { reject: false });
}
