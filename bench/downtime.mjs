#!/usr/bin/env node
// Downtime of a swap, the wizard against the vendor-guide script
// (`docker stop; docker rename; docker run`) on the same container, side by side.
// Downtime = `stop` issued -> new container healthy, as the wizard reports it.
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
import pg from 'pg';
import { readWorldEnv } from '../test/world/world-env.mjs';

const rounds = Number(process.argv[2] ?? 5);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const world = readWorldEnv();
const label = `io.upgrade-wizard.bench=${randomBytes(3).toString('hex')}`;
const docker = (args) => execa('docker', args, { timeout: 120_000 });

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

function runArgs(name, db, tag) {
	return ['run', '-d', '--name', name, '--label', 'io.upgrade-wizard.test=1', '--label', label, '-e', `DATABASE_URL=${db.url}`, '-v', `${world.UW_PG_SOCKET_DIR}:/run/postgresql`, `${world.UW_APP_REPO}:${tag}`];
}

async function scripted(db) {
	const name = `bench-script-${randomBytes(3).toString('hex')}`;
	await docker(runArgs(name, db, '1.6.1'));
	await healthy(name);
	const t0 = Date.now();
	await docker(['stop', name]);
	await docker(['rename', name, `${name}-old`]);
	await docker(runArgs(name, db, '1.7.0'));
	const t1 = await healthy(name);
	await docker(['rm', `${name}-old`]);
	return t1 - t0;
}

async function wizard(db) {
	const name = `bench-wizard-${randomBytes(3).toString('hex')}`;
	await docker(runArgs(name, db, '1.6.1'));
	await healthy(name);
	const state = mkdtempSync(join(tmpdir(), 'uw-bench-'));
	const { stdout } = await execa('node', [join(root, 'bin/upgrade-wizard.js'), '--yes', '--json', '--container', name, '--to', '1.7.0'], { env: { XDG_STATE_HOME: state } });
	const done = stdout.trim().split('\n').map((line) => JSON.parse(line)).find((event) => event.type === 'container-done');
	if (done?.summary.result !== 'upgraded') throw new Error(`wizard did not upgrade ${name}`);
	return done.summary.downtimeMs;
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
		process.stderr.write(`round ${round + 1}/${rounds}: script ${script.at(-1)} ms, wizard ${wiz.at(-1)} ms\n`);
	}
	const s = median(script);
	const z = median(wiz);
	console.log(JSON.stringify({ rounds, scriptedMedianMs: s, wizardMedianMs: z, ratio: Number((z / s).toFixed(2)), scripted: script, wizard: wiz }));
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
