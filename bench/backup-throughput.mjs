#!/usr/bin/env node
// Backup throughput: the wizard's backup (pg_dump -Fc streamed through the
// checksum, then verified with pg_restore --list and a re-read sha256) against a
// bare `pg_dump -Fc -f FILE` of the same database, which must be at least 1 GB.
//
// Usage: npm run world:up && npm run build && node bench/backup-throughput.mjs [sizeMiB=1100] [rounds=3]
// Creates (and drops at the end) a database on the world's Postgres.
import { execa } from 'execa';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { readWorldEnv } from '../test/world/world-env.mjs';

const sizeMiB = Number(process.argv[2] ?? 1100);
const rounds = Number(process.argv[3] ?? 3);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const world = readWorldEnv();
const { backupDatabase } = await import(join(root, 'dist/postgres/backup.js'));

const name = 'uw_bench_backup';
const admin = { host: world.UW_PG_HOST, port: Number(world.UW_PG_PORT), user: world.UW_PG_SUPERUSER, password: world.UW_PG_SUPERUSER_PASSWORD };
async function sql(database, text) {
	const client = new pg.Client({ ...admin, database });
	await client.connect();
	try {
		return await client.query(text);
	} finally {
		await client.end();
	}
}

const out = mkdtempSync(join(tmpdir(), 'uw-bench-backup-'));
try {
	const exists = (await sql('postgres', `SELECT 1 FROM pg_database WHERE datname = '${name}'`)).rowCount;
	if (!exists) await sql('postgres', `CREATE DATABASE ${name}`);
	let size = Number((await sql(name, `SELECT pg_database_size('${name}') AS s`)).rows[0].s);
	if (size < sizeMiB * 1024 * 1024) {
		process.stderr.write(`filling ${name} to ${sizeMiB} MiB (one time)...\n`);
		await sql(name, 'CREATE TABLE IF NOT EXISTS events (id bigserial primary key, at timestamptz default now(), kind text, payload text)');
		// Bounded: each batch adds ~100 MiB of rows that compress like real text, at most 40 batches.
		for (let batch = 0; batch < 40 && size < sizeMiB * 1024 * 1024; batch++) {
			await sql(name, "INSERT INTO events (kind, payload) SELECT 'kind-' || (g % 17), md5(g::text) || repeat(md5((g * 7)::text), 6) FROM generate_series(1, 400000) g");
			size = Number((await sql(name, `SELECT pg_database_size('${name}') AS s`)).rows[0].s);
		}
	}
	const mib = size / 1024 / 1024;
	const target = { kind: 'host', host: admin.host, port: admin.port, database: name, user: admin.user, password: admin.password, display: `postgres://${admin.user}@${admin.host}:${admin.port}/${name}` };
	const bare = [];
	const wizard = [];
	for (let round = 0; round < rounds; round++) {
		const file = join(out, `bare-${round}.dump`);
		let t0 = Date.now();
		await execa(join(world.UW_PG_BIN, 'pg_dump'), ['-Fc', '-h', admin.host, '-p', String(admin.port), '-U', admin.user, '-d', name, '-f', file], { env: { PGPASSWORD: admin.password } });
		bare.push(Date.now() - t0);
		rmSync(file);
		t0 = Date.now();
		const result = await backupDatabase({ target, dir: join(out, 'wizard'), fileStem: `bench-${round}` });
		wizard.push(Date.now() - t0);
		rmSync(result.path);
		rmSync(result.sha256Path);
		process.stderr.write(`round ${round + 1}/${rounds}: bare ${bare.at(-1)} ms, wizard ${wizard.at(-1)} ms (${statSync(join(out, 'wizard')).isDirectory() ? 'verified' : ''})\n`);
	}
	const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
	const b = median(bare);
	const z = median(wizard);
	console.log(JSON.stringify({ databaseMiB: Math.round(mib), rounds, bareMedianMs: b, wizardMedianMs: z, bareMiBps: Number((mib / (b / 1000)).toFixed(1)), wizardMiBps: Number((mib / (z / 1000)).toFixed(1)), ratio: Number((b / z).toFixed(2)) }));
} finally {
	rmSync(out, { recursive: true, force: true });
	if (process.env.UW_BENCH_KEEP_DB !== '1') await sql('postgres', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
