#!/usr/bin/env node
// Downtime of a swap, the wizard against the vendor-guide script
// (`docker stop; docker rename; docker run` + its own `docker inspect` polling)
// on the same container, side by side, two ways:
// - reported: `stop` issued -> new container healthy, as the wizard reports it;
// - user-visible: a prober outside the containers GETs the published port every
//   10 ms; downtime = last 200 from the old version -> first 200 from the new.
// And the phases that make it up: stop issued -> old down, start issued -> new
// first answers, first answer -> health gate passed ("health detection latency"),
// and the new version's health endpoint first 200 -> gate passed ("ready -> gate").
//
// Usage: npm run world:up && npm run build && node bench/downtime.mjs [rounds=5]
// Needs the test world (registry with acme/app, host Postgres). Everything it
// creates is labelled io.upgrade-wizard.test=1 and removed at the end.
import { execa } from 'execa';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { createServer, get } from 'node:http';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { readWorldEnv } from '../test/world/world-env.mjs';

const rounds = Number(process.argv[2] ?? 5);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const world = readWorldEnv();
const label = `io.upgrade-wizard.bench=${randomBytes(3).toString('hex')}`;
const docker = (args) => execa('docker', args, { timeout: 120_000 });

/** A free loopback port, published by both versions so the prober asks one address. */
async function freePort() {
	const server = createServer();
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address();
	await new Promise((resolve) => server.close(resolve));
	return port;
}

/** One bounded GET without keep-alive (every probe a new connection, so it reaches whichever container holds the port). */
function probeOnce(port, path = '/version') {
	return new Promise((resolve) => {
		const request = get({ host: '127.0.0.1', port, path, agent: false, timeout: 500 }, (response) => {
			let body = '';
			response.on('data', (chunk) => (body += chunk));
			response.on('end', () => resolve(response.statusCode === 200 ? body : undefined));
			response.on('error', () => resolve(undefined));
		});
		request.on('timeout', () => request.destroy());
		request.on('error', () => resolve(undefined));
	});
}

/**
 * Probe every 10 ms (one request in flight, at most 120 s) until stopped; keeps each 200's time and version.
 * Beside it, the health endpoint every 10 ms: the fixture answers /version while it still waits for its
 * database and migrates, /health/endtoend only once it is ready; `ready` is its first 200 after the swap began.
 */
function prober(port) {
	const answers = [];
	let running = true;
	let ready;
	let swapBegan = Infinity;
	const done = (async () => {
		const end = Date.now() + 120_000;
		while (running && Date.now() < end) {
			const at = Date.now();
			const body = await probeOnce(port);
			if (body) answers.push({ at, version: JSON.parse(body).version });
			await new Promise((r) => setTimeout(r, Math.max(0, 10 - (Date.now() - at))));
		}
	})();
	const health = (async () => {
		const end = Date.now() + 120_000;
		let sawDown = false;
		while (running && ready === undefined && Date.now() < end) {
			const at = Date.now();
			const body = await probeOnce(port, '/health/endtoend');
			// The old version is ready too: only a 200 after a failure, once the swap began, is the new one's.
			if (!body && at >= swapBegan) sawDown = true;
			else if (body && sawDown) ready = at;
			await new Promise((r) => setTimeout(r, Math.max(0, 10 - (Date.now() - at))));
		}
	})();
	return {
		/** Stop once the new version has answered (bounded: 3 s), so a run that ends right at its gate is not cut short. */
		/** From now on a failed health probe is the swap's. */
		swapBegins() {
			swapBegan = Date.now();
		},
		async stop(newVersion) {
			const until = Date.now() + 3000;
			while ((!answers.some((a) => a.version === newVersion) || ready === undefined) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
			running = false;
			await Promise.all([done, health]);
			return Object.assign(answers, { ready });
		},
	};
}

/** Last 200 from the old version and first from the new, from the prober's answers. */
function visible(answers, oldVersion, newVersion) {
	const lastOld = answers.filter((a) => a.version === oldVersion).at(-1)?.at;
	const firstNew = answers.find((a) => a.version === newVersion)?.at;
	if (lastOld === undefined || firstNew === undefined) throw new Error('the prober did not see both versions answer');
	return { lastOld, firstNew };
}

async function healthy(name, deadlineMs = 60_000) {
	const deadline = Date.now() + deadlineMs;
	while (Date.now() < deadline) {
		const { stdout } = await execa('docker', ['inspect', '-f', '{{.State.Health.Status}}', name], { reject: false });
		if (stdout.trim() === 'healthy') return Date.now();
		await new Promise((r) => setTimeout(r, 25));
	}
	throw new Error(`${name} not healthy in time`);
}

const created = [];
async function asAdmin(run) {
	const admin = new pg.Client({ host: world.UW_PG_HOST, port: Number(world.UW_PG_PORT), user: world.UW_PG_SUPERUSER, password: world.UW_PG_SUPERUSER_PASSWORD, database: 'postgres' });
	await admin.connect();
	try {
		await run(admin);
	} finally {
		await admin.end();
	}
}

async function database() {
	const suffix = randomBytes(4).toString('hex');
	await asAdmin(async (admin) => {
		await admin.query(`CREATE ROLE b_${suffix} LOGIN PASSWORD 'bench-${suffix}'`);
		await admin.query(`CREATE DATABASE bench_${suffix} OWNER b_${suffix}`);
	});
	created.push(suffix);
	return { url: `postgresql://b_${suffix}:bench-${suffix}@/bench_${suffix}?host=/run/postgresql`, suffix };
}

function runArgs(name, db, tag, port) {
	return ['run', '-d', '--name', name, '-p', `127.0.0.1:${port}:8080`, '--label', 'io.upgrade-wizard.test=1', '--label', label, '-e', `DATABASE_URL=${db.url}`, '-v', `${world.UW_PG_SOCKET_DIR}:/run/postgresql`, `${world.UW_APP_REPO}:${tag}`];
}

async function scripted(db) {
	const name = `bench-script-${randomBytes(3).toString('hex')}`;
	const port = await freePort();
	await docker(runArgs(name, db, '1.6.1', port));
	await healthy(name);
	const probe = prober(port);
	await new Promise((r) => setTimeout(r, 200));
	const t0 = Date.now();
	probe.swapBegins();
	await docker(['stop', name]);
	await docker(['rename', name, `${name}-old`]);
	const tStart = Date.now();
	await docker(runArgs(name, db, '1.7.0', port));
	const t1 = await healthy(name);
	await new Promise((r) => setTimeout(r, 100));
	const answers = await probe.stop('1.7.0');
	const { lastOld, firstNew } = visible(answers, '1.6.1', '1.7.0');
	await docker(['rm', `${name}-old`]);
	return { reported: t1 - t0, visible: firstNew - lastOld, stopToDown: lastOld - t0, startToAnswer: firstNew - tStart, detection: t1 - firstNew, readyToGate: t1 - answers.ready };
}

async function wizard(db) {
	const name = `bench-wizard-${randomBytes(3).toString('hex')}`;
	const port = await freePort();
	await docker(runArgs(name, db, '1.6.1', port));
	await healthy(name);
	const state = mkdtempSync(join(tmpdir(), 'uw-bench-'));
	const probe = prober(port);
	probe.swapBegins();
	const child = execa('node', [join(root, 'bin/upgrade-wizard.js'), '--yes', '--json', '--container', name, '--to', '1.7.0'], { env: { XDG_STATE_HOME: state } });
	// Each event's time as it arrives on the bench's clock (the prober's clock).
	const seen = {};
	let done;
	createInterface({ input: child.stdout }).on('line', (line) => {
		const event = JSON.parse(line);
		const at = Date.now();
		if (event.type === 'step-started') seen[`start:${event.step}`] ??= at;
		if (event.type === 'step-done') seen[`done:${event.step}`] ??= at;
		if (event.type === 'step-done' && event.step === 'health') process.stderr.write(`  gate: ${event.detail}\n`);
		if (event.type === 'health') process.stderr.write(`  +${at - (seen['start:health'] ?? at)} ms health ${event.status} ${event.detail ?? ''}\n`);
		if (event.type === 'container-done') done = event;
	});
	await child;
	const answers = await probe.stop('1.7.0');
	const { lastOld, firstNew } = visible(answers, '1.6.1', '1.7.0');
	if (done?.summary.result !== 'upgraded') throw new Error(`wizard did not upgrade ${name}`);
	return {
		reported: done.summary.downtimeMs,
		visible: firstNew - lastOld,
		stopToDown: lastOld - seen['start:stop'],
		startToAnswer: firstNew - seen['start:start'],
		detection: seen['done:health'] - firstNew,
		readyToGate: seen['done:health'] - answers.ready,
	};
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

try {
	// Both variants start from images already in the engine: pulls are not downtime.
	await docker(['pull', '-q', `${world.UW_APP_REPO}:1.6.1`]);
	await docker(['pull', '-q', `${world.UW_APP_REPO}:1.7.0`]);
	const script = [];
	const wiz = [];
	for (let round = 0; round < rounds; round++) {
		// Each round on a fresh database at schema 3, so both pay the same 3 -> 5 migration.
		script.push(await scripted(await database()));
		wiz.push(await wizard(await database()));
		process.stderr.write(`round ${round + 1}/${rounds}: script ${JSON.stringify(script.at(-1))}\n           wizard ${JSON.stringify(wiz.at(-1))}\n`);
	}
	const summary = (runs) => Object.fromEntries(Object.keys(runs[0]).map((key) => [key, median(runs.map((run) => run[key]))]));
	const s = summary(script);
	const z = summary(wiz);
	const ratio = (key) => Number((z[key] / s[key]).toFixed(2));
	console.log(JSON.stringify({ rounds, medianMs: { script: s, wizard: z }, ratio: { reported: ratio('reported'), visible: ratio('visible'), readyToGate: ratio('readyToGate') }, script, wizard: wiz }));
} finally {
	const { stdout } = await execa('docker', ['ps', '-aq', '--filter', `label=${label}`]);
	const ids = stdout.split('\n').filter(Boolean);
	if (ids.length) await execa('docker', ['rm', '-f', '-v', ...ids]);
	await asAdmin(async (admin) => {
		for (const suffix of created) {
			await admin.query(`DROP DATABASE IF EXISTS bench_${suffix} WITH (FORCE)`);
			await admin.query(`DROP ROLE IF EXISTS b_${suffix}`);
		}
	});
}
