#!/usr/bin/env node
// PostgreSQL major upgrade, 10 -> 15: the wizard's data move against what an
// operator would type with the new major's tools, `pg_dumpall -h old | psql -h new`,
// on the same data (at least 1 GB over several tables in two databases).
// Reported: the wizard's move step (roles, every database, ANALYZE), its
// downtime (dependents stopped -> dependents healthy again) and its whole run
// (which also takes a verified backup first and compares both servers after),
// each as the median of the rounds, and the ratio wizard move / bare pipe.
//
// Usage: npm run world:up && npm run build && node bench/pg-major-move.mjs [sizeMiB=1100] [rounds=3] [fromImage=UW_PG10_IMAGE]
// UW_BENCH_KEEP_SEED=1 keeps the filled volume (uw-bench-pgmajor-seed-<sizeMiB>) for the
// next invocation. Everything else it creates is labelled io.upgrade-wizard.test=1 and
// removed at the end, also when it fails.
import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { readWorldEnv } from '../test/world/world-env.mjs';

const sizeMiB = Number(process.argv[2] ?? 1100);
const rounds = Number(process.argv[3] ?? 3);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const world = readWorldEnv();
const oldImage = process.argv[4] ?? world.UW_PG10_IMAGE;
const newImage = world.UW_PG_IMAGE;
const id = `uwb-pgm-${randomBytes(3).toString('hex')}`;
const label = `io.upgrade-wizard.bench=${id}`;
const labels = ['--label', 'io.upgrade-wizard.test=1', '--label', label];
const network = `${id}-net`;
const keepSeed = process.env.UW_BENCH_KEEP_SEED === '1';
const seed = keepSeed ? `uw-bench-pgmajor-seed-${sizeMiB}` : `${id}-seed`;
// Throwaway servers on a bench network with no published ports: one fixed password is enough.
const password = 'bench-su-pw';
const pgEnv = ['-e', `POSTGRES_PASSWORD=${password}`, '-e', 'POSTGRES_DB=appdb'];
const log = (line) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const docker = (args, options = {}) => execa('docker', args, { timeout: 1_800_000, ...options });
const volumes = [];

async function healthy(name, deadlineMs = 180_000) {
	const deadline = Date.now() + deadlineMs;
	while (Date.now() < deadline) {
		const { stdout } = await execa('docker', ['inspect', '-f', '{{.State.Health.Status}}', name], { reject: false });
		if (stdout.trim() === 'healthy') return;
		await new Promise((r) => setTimeout(r, 200));
	}
	throw new Error(`${name} not healthy in time`);
}

async function volume(name) {
	await docker(['volume', 'create', ...labels, name]);
	volumes.push(name);
	return name;
}

/** A server of `image` on `vol`, reachable on the bench network as `alias`. */
async function server(name, alias, image, vol) {
	await docker(['run', '-d', '--name', name, ...labels, '--network', network, '--network-alias', alias, '-v', `${vol}:/var/lib/postgresql/data`, ...pgEnv, image]);
	await healthy(name);
}

/** psql of the new major in a one-off container on the bench network (the old image has no tools to fill itself). */
function psql(host, database, sql) {
	return docker(['run', '--rm', ...labels, '--network', network, '-e', `PGPASSWORD=${password}`, '--entrypoint', 'psql', newImage, '-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-h', host, '-U', 'postgres', '-d', database, '-c', sql]);
}

const sizeSql = "SELECT sum(pg_database_size(datname)) FROM pg_database WHERE datname IN ('appdb', 'reports')";
// Four tables over two databases, each with a primary key (the restore rebuilds it) and text that compresses like real text.
const tables = [
	['appdb', 'events', "CREATE TABLE IF NOT EXISTS events (id bigserial PRIMARY KEY, at timestamptz DEFAULT now(), kind text, payload text)", "INSERT INTO events (kind, payload) SELECT 'kind-' || (g % 17), md5(g::text) || repeat(md5((g * 7)::text), 6) FROM generate_series(1, 400000) g"],
	['reports', 'metrics', "CREATE TABLE IF NOT EXISTS metrics (id bigserial PRIMARY KEY, host text, value double precision, labels text)", "INSERT INTO metrics (host, value, labels) SELECT 'host-' || (g % 101), g * 0.5, repeat(md5((g * 3)::text), 5) FROM generate_series(1, 400000) g"],
	['appdb', 'items', "CREATE TABLE IF NOT EXISTS items (id serial PRIMARY KEY, name text, body text)", "INSERT INTO items (name, body) SELECT 'item ' || g, repeat(md5((g * 11)::text), 4) FROM generate_series(1, 400000) g"],
	['reports', 'monthly', "CREATE TABLE IF NOT EXISTS monthly (id bigserial PRIMARY KEY, month int, total bigint, note text)", "INSERT INTO monthly (month, total, note) SELECT g % 12 + 1, g * 100, repeat(md5((g * 13)::text), 3) FROM generate_series(1, 400000) g"],
];

/** The seed volume: a stopped old-major server with >= sizeMiB in appdb and reports, filled once. */
async function prepareSeed() {
	const { stdout } = await docker(['volume', 'ls', '-q', '--filter', `name=${seed}`]);
	if (stdout.split('\n').includes(seed)) return;
	if (!keepSeed) volumes.push(seed);
	await docker(['volume', 'create', ...(keepSeed ? ['--label', 'io.upgrade-wizard.bench=pgmajor-seed'] : labels), seed]);
	const name = `${id}-seed-db`;
	await server(name, 'seed', oldImage, seed);
	await psql('seed', 'appdb', "CREATE ROLE app LOGIN PASSWORD 'bench-app-pw'");
	await psql('seed', 'appdb', 'CREATE DATABASE reports');
	for (const [db, , create] of tables) await psql('seed', db, create);
	await psql('seed', 'appdb', 'GRANT ALL ON ALL TABLES IN SCHEMA public TO app; GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO app');
	let bytes = 0;
	// Bounded: ~100 MiB per batch, round-robin over the tables, at most 60 batches.
	for (let batch = 0; batch < 60 && bytes < sizeMiB * 1024 * 1024; batch++) {
		const [db, , , insert] = tables[batch % tables.length];
		await psql('seed', db, insert);
		bytes = Number((await psql('seed', 'postgres', sizeSql)).stdout.trim());
		log(`filling: ${Math.round(bytes / 1024 / 1024)} MiB`);
	}
	// A clean shutdown, so every copy starts without crash recovery.
	await docker(['stop', '-t', '120', name]);
	await docker(['rm', name]);
}

/** A fresh copy of the seed, so every variant of every round starts from the same data. */
async function copyOfSeed(name) {
	await volume(name);
	await docker(['run', '--rm', ...labels, '-u', '0', '-v', `${seed}:/from:ro`, '-v', `${name}:/to`, '--entrypoint', 'cp', newImage, '-a', '/from/.', '/to/']);
	return name;
}

async function bare(round) {
	const old = `${id}-bare-old-${round}`;
	const fresh = `${id}-bare-new-${round}`;
	await server(old, `old${round}`, oldImage, await copyOfSeed(`${old}-data`));
	await server(fresh, `new${round}`, newImage, await volume(`${fresh}-data`));
	const t0 = Date.now();
	// What the operator types, in the new server's container (its tools, its local
	// socket: over TCP the md5 hash pg_dumpall sets for postgres would lock psql's
	// next \connect out of a scram-sha-256 server). The pipe is the one shell here.
	await docker(['exec', '-e', `PGPASSWORD=${password}`, '-e', 'PGUSER=postgres', fresh, 'sh', '-c', `pg_dumpall -h old${round} | psql -X -q -d postgres -o /dev/null`]);
	const ms = Date.now() - t0;
	const moved = Number((await docker(['exec', fresh, 'psql', '-X', '-t', '-A', '-U', 'postgres', '-d', 'postgres', '-c', sizeSql])).stdout.trim());
	if (moved < sizeMiB * 1024 * 1024 * 0.5) throw new Error(`bare move left only ${moved} bytes on the new server`);
	await docker(['rm', '-f', '-v', old, fresh]);
	return ms;
}

async function wizard(round) {
	const db = `${id}-db-${round}`;
	const app = `${id}-app-${round}`;
	await server(db, `db${round}`, oldImage, await copyOfSeed(`${db}-data`));
	volumes.push(`${db}-data-pg15`);
	await docker(['run', '-d', '--name', app, ...labels, '--network', network, '-e', `DATABASE_URL=postgres://app:bench-app-pw@db${round}:5432/appdb`, `${world.UW_APP_REPO}:1.6.0`]);
	await healthy(app);
	const state = mkdtempSync(join(tmpdir(), 'uw-bench-pgmajor-'));
	try {
		const t0 = Date.now();
		const run = await execa('node', [join(root, 'bin/upgrade-wizard.js'), '--yes', '--json', '--container', db, '--to', '15'], { env: { XDG_STATE_HOME: state }, reject: false, timeout: 3_600_000 });
		const totalMs = Date.now() - t0;
		const events = run.stdout.trim().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
		const done = events.find((event) => event.type === 'container-done');
		if (done?.summary.result !== 'upgraded') throw new Error(`wizard did not upgrade ${db}: ${done?.summary.reason ?? run.stderr.slice(-500)}`);
		const step = (name) => events.filter((event) => event.type === 'step-done' && event.step === name).reduce((sum, event) => sum + event.durationMs, 0);
		const stopped = events.find((event) => event.type === 'step-started' && event.step === 'stop-apps');
		const back = events.filter((event) => event.type === 'step-done' && event.step === 'start-apps').at(-1);
		const moveLines = events.filter((event) => event.type === 'log' && /^moved /.test(event.line ?? '')).map((event) => event.line);
		return { moveMs: step('move'), downtimeMs: back.at - stopped.at, reportedDowntimeMs: done.summary.downtimeMs, totalMs, backupMs: step('backup'), verifyMs: step('verify'), moveLines };
	} finally {
		rmSync(state, { recursive: true, force: true });
		await docker(['rm', '-f', '-v', app, db, `${db}-old`], { reject: false });
	}
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

try {
	await docker(['network', 'create', ...labels, network]);
	await prepareSeed();
	const probe = `${id}-probe`;
	await server(probe, 'probe', oldImage, await copyOfSeed(`${probe}-data`));
	const bytes = Number((await psql('probe', 'postgres', sizeSql)).stdout.trim());
	const counts = [];
	for (const [db, table] of tables) counts.push(`${db}.${table}=${(await psql('probe', db, `SELECT count(*) FROM ${table}`)).stdout.trim()}`);
	await docker(['rm', '-f', probe]);
	log(`data: ${Math.round(bytes / 1024 / 1024)} MiB in appdb and reports (${counts.join(', ')})`);
	const bareMs = [];
	const wiz = [];
	for (let round = 0; round < rounds; round++) {
		bareMs.push(await bare(round));
		wiz.push(await wizard(round));
		const w = wiz.at(-1);
		log(`round ${round + 1}/${rounds}: bare ${bareMs.at(-1)} ms; wizard move ${w.moveMs} ms, downtime ${w.downtimeMs} ms, total ${w.totalMs} ms (backup ${w.backupMs}, verify ${w.verifyMs}; ${w.moveLines.join('; ')})`);
	}
	const b = median(bareMs);
	const m = median(wiz.map((w) => w.moveMs));
	console.log(JSON.stringify({
		from: oldImage, to: newImage, databaseMiB: Math.round(bytes / 1024 / 1024), tables: counts, rounds,
		bareMedianMs: b, wizardMoveMedianMs: m, ratioMoveOverBare: Number((m / b).toFixed(2)),
		wizardDowntimeMedianMs: median(wiz.map((w) => w.downtimeMs)), wizardReportedDowntimeMedianMs: median(wiz.map((w) => w.reportedDowntimeMs)),
		wizardTotalMedianMs: median(wiz.map((w) => w.totalMs)), wizardBackupMedianMs: median(wiz.map((w) => w.backupMs)), wizardVerifyMedianMs: median(wiz.map((w) => w.verifyMs)),
		bare: bareMs, wizardMove: wiz.map((w) => w.moveMs),
	}));
} finally {
	const { stdout } = await execa('docker', ['ps', '-aq', '--filter', `label=${label}`]);
	const ids = stdout.split('\n').filter(Boolean);
	if (ids.length) await execa('docker', ['rm', '-f', '-v', ...ids], { reject: false });
	for (const name of volumes) await execa('docker', ['volume', 'rm', '-f', name], { reject: false });
	await execa('docker', ['network', 'rm', network], { reject: false });
}
