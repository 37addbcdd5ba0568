#!/usr/bin/env node
// Backup and restore throughput, in one run, on a database of >= 1 GB spread
// over several tables:
//   dump:    bare `pg_dump -Fc -f FILE`  vs  the wizard's custom backup (pg_dump -Fc
//            streamed through sha256, pg_restore --list, re-read checksum)  vs  the
//            wizard's directory backup (pg_dump -Fd -j N in the exported snapshot,
//            sha256 per file + manifest, pg_restore --list)
//   restore: bare single-job `pg_restore -d NEWDB FILE.dump`  vs  the wizard's restore
//            of its directory backup (manifest re-checked, pg_restore -j N into a
//            scratch database, exact row counts compared, swapped in)
// Median of the rounds; ratios are bare / wizard (above 1: the wizard is faster).
//
// Usage: npm run world:up && npm run build && node bench/backup-throughput.mjs [sizeMiB=1100] [rounds=3] [tables=4]
// Creates (and drops at the end) its databases on the world's Postgres.
import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { readWorldEnv } from '../test/world/world-env.mjs';

const sizeMiB = Number(process.argv[2] ?? 1100);
const rounds = Number(process.argv[3] ?? 3);
const tableCount = Number(process.argv[4] ?? 4);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const world = readWorldEnv();
const { backupDatabase } = await import(join(root, 'dist/postgres/backup.js'));
const { restoreDatabase } = await import(join(root, 'dist/postgres/restore.js'));
const { dumpJobs } = await import(join(root, 'dist/postgres/dump-format.js'));

const name = `uw_bench_backup_${tableCount}t`;
const restoreName = 'uw_bench_restore';
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
const tool = (bin, args) => execa(join(world.UW_PG_BIN, bin), ['-h', admin.host, '-p', String(admin.port), '-U', admin.user, ...args], { env: { PGPASSWORD: admin.password } });
const hostTarget = (database) => ({ kind: 'host', host: admin.host, port: admin.port, database, user: admin.user, password: admin.password, display: `postgres://${admin.user}@${admin.host}:${admin.port}/${database}` });
const databaseSize = async () => Number((await sql(name, `SELECT pg_database_size('${name}') AS s`)).rows[0].s);
const recreate = async (database) => {
	await sql('postgres', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
	await sql('postgres', `CREATE DATABASE ${database}`);
};

const out = mkdtempSync(join(tmpdir(), 'uw-bench-backup-'));
try {
	const exists = (await sql('postgres', `SELECT 1 FROM pg_database WHERE datname = '${name}'`)).rowCount;
	if (!exists) await sql('postgres', `CREATE DATABASE ${name}`);
	let size = await databaseSize();
	if (size < sizeMiB * 1024 * 1024) {
		process.stderr.write(`filling ${name} to ${sizeMiB} MiB over ${tableCount} tables (one time)...\n`);
		for (let t = 0; t < tableCount; t++) await sql(name, `CREATE TABLE IF NOT EXISTS events_${t} (id bigserial primary key, at timestamptz default now(), kind text, payload text)`);
		// Bounded: each batch adds ~100 MiB of rows that compress like real text to the next table in turn, at most 40 batches.
		for (let batch = 0; batch < 40 && size < sizeMiB * 1024 * 1024; batch++) {
			await sql(name, `INSERT INTO events_${batch % tableCount} (kind, payload) SELECT 'kind-' || (g % 17), md5(g::text) || repeat(md5((g * 7)::text), 6) FROM generate_series(1, 400000) g`);
			size = await databaseSize();
		}
		await sql(name, 'VACUUM ANALYZE');
	}
	const mib = size / 1024 / 1024;
	const tables = Number((await sql(name, "SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public'")).rows[0].n);
	const jobs = dumpJobs(availableParallelism(), tables);
	const target = hostTarget(name);
	const times = { bareDump: [], customBackup: [], directoryBackup: [], bareRestore: [], parallelRestore: [] };
	const timed = async (key, run) => {
		const t0 = Date.now();
		const result = await run();
		times[key].push(Date.now() - t0);
		return result;
	};
	let how = '';
	for (let round = 0; round < rounds; round++) {
		const file = join(out, `bare-${round}.dump`);
		await timed('bareDump', () => tool('pg_dump', ['-Fc', '-d', name, '-f', file]));
		const custom = await timed('customBackup', () => backupDatabase({ target, dir: join(out, 'wizard'), fileStem: `custom-${round}`, format: 'custom' }));
		rmSync(custom.path);
		rmSync(custom.sha256Path);
		const directory = await timed('directoryBackup', () => backupDatabase({ target, dir: join(out, 'wizard'), fileStem: `directory-${round}`, format: 'directory', jobs }));

		await recreate(restoreName);
		await timed('bareRestore', () => tool('pg_restore', ['-d', restoreName, file]));
		rmSync(file);
		// The wizard's restore replaces a database that exists, as a rollback does.
		await recreate(restoreName);
		const restored = await timed('parallelRestore', () => restoreDatabase({ target: hostTarget(restoreName), backup: { path: directory.path, sha256: directory.sha256, tables: directory.tables, format: 'directory' }, jobs }));
		how = restored.how;
		rmSync(directory.path, { recursive: true });
		rmSync(directory.sha256Path);
		const last = Object.fromEntries(Object.entries(times).map(([key, values]) => [key, values.at(-1)]));
		process.stderr.write(`round ${round + 1}/${rounds}: ${JSON.stringify(last)} (restore: ${how})\n`);
	}
	const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
	const m = Object.fromEntries(Object.entries(times).map(([key, values]) => [key, median(values)]));
	const mibps = (ms) => Number((mib / (ms / 1000)).toFixed(1));
	console.log(JSON.stringify({
		databaseMiB: Math.round(mib),
		tables,
		jobs,
		cores: availableParallelism(),
		rounds,
		medianMs: m,
		MiBps: Object.fromEntries(Object.entries(m).map(([key, ms]) => [key, mibps(ms)])),
		ratios: {
			bareDumpOverCustomBackup: Number((m.bareDump / m.customBackup).toFixed(2)),
			bareDumpOverDirectoryBackup: Number((m.bareDump / m.directoryBackup).toFixed(2)),
			bareRestoreOverParallelRestore: Number((m.bareRestore / m.parallelRestore).toFixed(2)),
		},
		restoredBy: how,
	}));
} finally {
	rmSync(out, { recursive: true, force: true });
	await sql('postgres', `DROP DATABASE IF EXISTS ${restoreName} WITH (FORCE)`).catch(() => undefined);
	if (process.env.UW_BENCH_KEEP_DB !== '1') await sql('postgres', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
