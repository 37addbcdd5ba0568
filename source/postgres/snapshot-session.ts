import { PassThrough, Writable } from 'node:stream';
import pg from 'pg';
import type Docker from 'dockerode';
import { connectionError } from './connection-errors.js';
import type { DatabaseTarget } from './database-target.js';
import { DatabaseError, errorText } from './errors.js';
import { clientConfig } from './libpq-env.js';
import { majorOf, SERVER_INFO_SQL, toServerInfo, type ServerInfo } from './server-info.js';
import { PSQL_ARGS, psqlFailure } from './sql.js';
import { containerRunner } from './tool-runner.js';

// The row counts recorded with a backup must describe exactly what the dump
// holds, or a faithful restore would fail its own check whenever the app wrote
// during the backup. So the counts are taken in a REPEATABLE READ transaction
// that exports its snapshot, and pg_dump --snapshot dumps that same snapshot;
// the transaction stays open until pg_dump is done. On the host the counts
// run while pg_dump does (they scan every table, as the dump does): the
// snapshot is exported first, the counting query follows on the same
// connection, in the same transaction.

export interface SnapshotSession {
	snapshot: string;
	/** The server's major, known before the dump starts (tools are chosen by it). */
	major: number;
	/** Version, size and counts in the exported snapshot; may still be counting while pg_dump runs. */
	info: Promise<ServerInfo>;
	close(): Promise<void>;
}

const BEGIN = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';
const EXPORT_SQL = `SELECT jsonb_build_object('snapshot', pg_export_snapshot(), 'num', current_setting('server_version_num')::int)::text`;
const SNAPSHOT_SQL = `SELECT jsonb_build_object('snapshot', pg_export_snapshot(), 'info', (${SERVER_INFO_SQL}))::text`;

interface SnapshotRow {
	snapshot: string;
	info: Parameters<typeof toServerInfo>[0];
}

async function hostSession(target: DatabaseTarget): Promise<SnapshotSession> {
	const client = new pg.Client(clientConfig(target, 'upgrade-wizard-snapshot'));
	client.on('error', () => undefined);
	try {
		await client.connect();
		await client.query(BEGIN);
		const result = await client.query({ text: EXPORT_SQL, rowMode: 'array' });
		const row = JSON.parse(result.rows[0][0] as string) as { snapshot: string; num: number };
		const info = client
			.query({ text: `SELECT (${SERVER_INFO_SQL})::text`, rowMode: 'array' })
			.then((counted) => toServerInfo(JSON.parse(counted.rows[0][0] as string) as SnapshotRow['info']))
			.catch((error: unknown) => {
				throw connectionError(error, target) ?? new DatabaseError('dump-failed', `cannot read ${target.display}: ${errorText(error)}`, [target.password]);
			});
		// Awaited after the dump; a dump that fails first must not leave it unhandled.
		info.catch(() => undefined);
		return {
			snapshot: row.snapshot,
			major: majorOf(row.num),
			info,
			close: async () => {
				await client.query('COMMIT').catch(() => undefined);
				await client.end().catch(() => undefined);
			},
		};
	} catch (error) {
		await client.end().catch(() => undefined);
		throw connectionError(error, target) ?? new DatabaseError('dump-failed', `cannot read ${target.display}: ${errorText(error)}`, [target.password]);
	}
}

/** psql kept open in the container, fed statements on stdin, answering one line each. */
async function containerSession(target: DatabaseTarget, docker?: Docker): Promise<SnapshotSession> {
	const runner = containerRunner(target, docker);
	const stdin = new PassThrough();
	let buffered = '';
	let lineWaiter: ((line: string) => void) | undefined;
	const lines: string[] = [];
	const stdout = new Writable({
		write(chunk: Buffer, _encoding, done) {
			buffered += chunk.toString('utf8');
			let newline: number;
			while ((newline = buffered.indexOf('\n')) >= 0) {
				const line = buffered.slice(0, newline);
				buffered = buffered.slice(newline + 1);
				if (lineWaiter) {
					const waiter = lineWaiter;
					lineWaiter = undefined;
					waiter(line);
				} else lines.push(line);
			}
			done();
		},
	});
	const running = runner.run('psql', PSQL_ARGS, { stdin, stdout });
	stdin.write(`${BEGIN};\n${SNAPSHOT_SQL};\n`);
	const firstLine = new Promise<string>((resolve) => {
		if (lines.length > 0) resolve(lines.shift()!);
		else lineWaiter = resolve;
	});
	const outcome = await Promise.race([firstLine.then((line) => ({ line })), running.then((result) => ({ result }))]);
	if ('result' in outcome) {
		throw psqlFailure(target, runner.where, outcome.result.exitCode, outcome.result.stderr);
	}
	const row = JSON.parse(outcome.line) as SnapshotRow;
	const info = toServerInfo(row.info);
	return {
		snapshot: row.snapshot,
		major: info.major,
		info: Promise.resolve(info),
		close: async () => {
			stdin.end('COMMIT;\n');
			await running.catch(() => undefined);
		},
	};
}

export async function openSnapshotSession(target: DatabaseTarget, docker?: Docker): Promise<SnapshotSession> {
	return target.kind === 'host' ? hostSession(target) : containerSession(target, docker);
}
