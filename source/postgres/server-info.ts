import type Docker from 'dockerode';
import type { DatabaseTarget } from './database-target.js';
import { queryJson, SqlError, TABLES_SQL, type TableRows } from './sql.js';

export type { TableRows } from './sql.js';

export interface ServerInfo {
	versionNum: number;
	major: number;
	/** server_version as the server reports it, e.g. "15.18 (Debian 15.18-0+deb12u1)". */
	serverVersion: string;
	databaseSizeBytes: number;
	/** pg_table_size of the largest user table: whether a parallel dump has more than one table to share out. */
	largestTableBytes: number;
	/** Exact row counts (count(*)): a restore is verified against these. */
	tables: TableRows[];
}

export function majorOf(versionNum: number): number {
	// 150018 -> 15; before 10 the scheme was 90624 -> 9(.6), and 9 is what we compare.
	return Math.floor(versionNum / 10000);
}

export const SERVER_INFO_SQL = `SELECT jsonb_build_object(
	'num', current_setting('server_version_num')::int,
	'version', current_setting('server_version'),
	'size', pg_database_size(current_database()),
	'largest', (SELECT coalesce(max(pg_table_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'),
	'tables', (${TABLES_SQL}))`;

interface RawInfo {
	num: number;
	version: string;
	size: number;
	largest?: number;
	tables: TableRows[];
}

export function toServerInfo(raw: RawInfo): ServerInfo {
	return { versionNum: raw.num, major: majorOf(raw.num), serverVersion: raw.version, databaseSizeBytes: raw.size, largestTableBytes: Number(raw.largest ?? 0), tables: raw.tables };
}

/** Version, size and exact per-table row counts; for kind 'container' psql runs in the container. */
export async function serverInfo(target: DatabaseTarget, docker?: Docker): Promise<ServerInfo> {
	const raw = await queryJson<RawInfo>(target, SERVER_INFO_SQL, docker);
	return toServerInfo(raw!);
}

// undefined_table, invalid_schema_name: the app has not created its schema yet.
const NOT_THERE = new Set(['42P01', '3F000']);

/**
 * The schema version the database reports through a profile query (e.g.
 * 'SELECT max(version) FROM schema_version'); undefined when the table does not
 * exist or holds nothing.
 */
export async function schemaVersion(target: DatabaseTarget, query: string, docker?: Docker): Promise<number | string | undefined> {
	const inner = query.trim().replace(/;+\s*$/, '');
	let row: Record<string, unknown> | null;
	try {
		row = await queryJson<Record<string, unknown>>(target, `SELECT row_to_json(q) FROM (${inner}) q LIMIT 1`, docker);
	} catch (error) {
		if (error instanceof SqlError && error.code && NOT_THERE.has(error.code)) return undefined;
		throw error;
	}
	const value = row ? Object.values(row)[0] : undefined;
	if (value === null || value === undefined || value === '') return undefined;
	// An integer is compared with what images declare; anything else (an alembic
	// revision, Anchore's `0.0.15`) is reported as it is.
	const text = String(value).trim();
	return /^\d+$/.test(text) ? Number(text) : text.slice(0, 64);
}
