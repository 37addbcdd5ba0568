import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { keyLine } from './connection-errors.js';
import type { DatabaseTarget } from './database-target.js';
import { RestoreError, errorText } from './errors.js';
import { clientConfig } from './libpq-env.js';
import type { PgTools } from './pg-tools.js';
import { compareTables, problemsText, type VerifiedTable } from './restore-check.js';
import { countRowsParallel } from './parallel-count.js';
import type { TableRows } from './sql.js';
import { hostRunner } from './tool-runner.js';

// pg_restore -j N cannot run in one transaction (each worker has its own
// connection), yet a rollback's restore must leave the database either exactly
// as the backup holds it or exactly as it was. So the parallel restore goes
// into a new scratch database beside it, its row counts are checked there,
// and only then are the two swapped by renaming both in one transaction; the
// replaced database is dropped after. Any failure before the swap drops the
// scratch database and leaves the app's untouched. The swap is only tried
// where a rename loses nothing the dump does not carry (database-level grants,
// settings, comment, replication slots, a non-default tablespace or locale
// provider) and nobody else is connected; otherwise the caller restores in
// one transaction as before.

export interface SwapRestoreInput {
	target: DatabaseTarget;
	tools: PgTools;
	/** The dump directory (or file): pg_restore reads it by path. */
	archive: string;
	tables: TableRows[];
	jobs: number;
	superuser: boolean;
	signal?: AbortSignal;
	onProgress?: (bytes: number, elapsedMs: number) => void;
	lockTimeoutMs?: number;
}

export type SwapOutcome = { restored: true; verified: VerifiedTable[]; note?: string } | { restored: false; why: string };

const SCRATCH_PREFIX = 'uw_restore_';
const PROGRESS_INTERVAL_MS = 500;

interface Facts {
	owner: string;
	super: boolean;
	createdb: boolean;
	member: boolean;
	encoding: string;
	collate: string;
	ctype: string;
	provider: string;
	acl: boolean;
	settings: boolean;
	comment: boolean;
	slots: number;
	sessions: number;
	tablespace: string;
}

const FACTS_SQL = `SELECT jsonb_build_object(
	'owner', pg_get_userbyid(d.datdba), 'super', r.rolsuper, 'createdb', r.rolcreatedb, 'member', pg_has_role(d.datdba, 'MEMBER'),
	'encoding', pg_encoding_to_char(d.encoding), 'collate', d.datcollate, 'ctype', d.datctype,
	'provider', coalesce(to_jsonb(d) ->> 'datlocprovider', 'c'),
	'acl', d.datacl IS NOT NULL,
	'settings', EXISTS (SELECT 1 FROM pg_db_role_setting s WHERE s.setdatabase = d.oid),
	'comment', shobj_description(d.oid, 'pg_database') IS NOT NULL,
	'slots', (SELECT count(*) FROM pg_replication_slots s WHERE s.database = d.datname),
	'sessions', (SELECT count(*) FROM pg_stat_activity a WHERE a.datid = d.oid AND a.pid <> pg_backend_pid()),
	'tablespace', (SELECT spcname FROM pg_tablespace t WHERE t.oid = d.dattablespace))::text
FROM pg_database d, pg_roles r WHERE d.datname = $1 AND r.rolname = current_user`;

/** Why a rename would lose something or cannot happen; undefined when the swap is safe. */
export function swapRefusal(facts: Facts): string | undefined {
	if (!facts.super && !(facts.createdb && facts.member)) return 'the user may not create and rename databases';
	if (facts.acl) return 'the database has its own grants';
	if (facts.settings) return 'the database has its own settings (ALTER DATABASE SET)';
	if (facts.comment) return 'the database has a comment';
	if (facts.slots > 0) return 'replication slots belong to the database';
	if (facts.tablespace !== 'pg_default') return `the database lives in tablespace ${facts.tablespace}`;
	if (facts.provider !== 'c') return 'the database uses a non-libc locale provider';
	if (facts.sessions > 0) return `${facts.sessions} other session${facts.sessions === 1 ? ' is' : 's are'} connected to it`;
	return undefined;
}

async function maintenanceClient(target: DatabaseTarget): Promise<pg.Client | undefined> {
	const client = new pg.Client(clientConfig({ ...target, database: 'postgres' }, 'upgrade-wizard-restore'));
	client.on('error', () => undefined);
	try {
		await client.connect();
		return client;
	} catch {
		await client.end().catch(() => undefined);
		return undefined;
	}
}

/** Scratch databases of restores killed before they finished: nobody connected, ours to drop. */
async function dropStale(client: pg.Client): Promise<void> {
	const stale = await client.query<{ datname: string }>(
		`SELECT datname FROM pg_database WHERE datname LIKE '${SCRATCH_PREFIX}%' AND pg_has_role(datdba, 'MEMBER')`,
	);
	for (const { datname } of stale.rows) await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(datname)}`).catch(() => undefined);
}

export async function restoreBySwap(input: SwapRestoreInput): Promise<SwapOutcome> {
	const { target } = input;
	const client = await maintenanceClient(target);
	if (!client) return { restored: false, why: 'no connection to the maintenance database postgres' };
	const id = (name: string) => client.escapeIdentifier(name);
	const scratch = `${SCRATCH_PREFIX}${randomBytes(4).toString('hex')}`;
	let created = false;
	let timer: NodeJS.Timeout | undefined;
	const dropScratch = async () => {
		if (created) await client.query(`DROP DATABASE IF EXISTS ${id(scratch)}`).catch(() => undefined);
		created = false;
	};
	try {
		const row = (await client.query({ text: FACTS_SQL, values: [target.database], rowMode: 'array' })).rows[0]?.[0] as string | undefined;
		if (!row) return { restored: false, why: `no database ${target.database}` };
		const facts = JSON.parse(row) as Facts;
		const refusal = swapRefusal(facts);
		if (refusal) return { restored: false, why: refusal };
		await dropStale(client);
		await client.query(
			`CREATE DATABASE ${id(scratch)} TEMPLATE template0 OWNER ${id(facts.owner)} ENCODING ${client.escapeLiteral(facts.encoding)} LC_COLLATE ${client.escapeLiteral(facts.collate)} LC_CTYPE ${client.escapeLiteral(facts.ctype)}`,
		);
		created = true;
		const startedAt = Date.now();
		if (input.onProgress) {
			timer = setInterval(() => {
				client.query({ text: 'SELECT pg_database_size($1)::text', values: [scratch], rowMode: 'array' }).then(
					(result) => input.onProgress?.(Number(result.rows[0]?.[0] ?? 0), Date.now() - startedAt),
					() => undefined,
				);
			}, PROGRESS_INTERVAL_MS);
		}
		const scratchTarget = { ...target, database: scratch };
		const args = [`--jobs=${Math.max(1, input.jobs)}`, '--exit-on-error', '--no-password', ...(input.superuser ? [] : ['--no-owner']), `--dbname=${scratch}`];
		const restored = await hostRunner(scratchTarget, input.tools).run('pg_restore', args, { archive: input.archive, signal: input.signal });
		clearInterval(timer);
		if (restored.aborted || input.signal?.aborted) throw new RestoreError('restore-failed', `restore of ${target.display} aborted; the database was left as it was`);
		if (restored.exitCode !== 0) {
			throw new RestoreError('restore-failed', `pg_restore -j ${input.jobs} of ${input.archive} failed (${keyLine(restored.stderr) || `exit code ${restored.exitCode}`}); the database was left as it was`, [target.password]);
		}
		const { verified, problems } = compareTables(input.tables, await countRowsParallel(scratchTarget, input.jobs));
		if (problems.length > 0) throw new RestoreError('verify-failed', `the restored copy does not match the backup: ${problemsText(problems)}; the database was left as it was`);

		const replaced = `uw_replaced_${scratch.slice(SCRATCH_PREFIX.length)}`;
		try {
			await client.query('BEGIN');
			await client.query(`SET LOCAL lock_timeout = '${Math.max(1, Math.round(input.lockTimeoutMs ?? 60_000))}ms'`);
			await client.query(`ALTER DATABASE ${id(target.database)} RENAME TO ${id(replaced)}`);
			await client.query(`ALTER DATABASE ${id(scratch)} RENAME TO ${id(target.database)}`);
			await client.query('COMMIT');
		} catch (error) {
			await client.query('ROLLBACK').catch(() => undefined);
			await dropScratch();
			// Someone connected while we restored: the one-transaction restore waits for locks instead.
			if ((error as { code?: string }).code === '55006') return { restored: false, why: 'a session connected to it during the restore' };
			throw new RestoreError('restore-failed', `cannot swap the restored copy in (${errorText(error)}); the database was left as it was`, [target.password]);
		}
		created = false;
		const dropped = await client.query(`DROP DATABASE ${id(replaced)}`).then(() => true, () => false);
		return { restored: true, verified, ...(dropped ? {} : { note: `the replaced database was kept as ${replaced}: drop it when done` }) };
	} catch (error) {
		clearInterval(timer);
		await dropScratch();
		throw error;
	} finally {
		await client.end().catch(() => undefined);
	}
}
