import type Docker from 'dockerode';
import { TABLES_SQL, type TableRows } from '../../postgres/sql.js';
import { queryJson, type Conn } from './server-sql.js';

// What must be equal between the old server and the new one before the
// switch-over: databases with their encoding and locale, roles with their
// attributes, and in every database its tables (exact row counts), sequences,
// views and extensions.

export interface DatabaseInfo {
	name: string;
	encoding: string;
	collate: string;
	ctype: string;
	sizeBytes: number;
}

export interface RoleInfo {
	name: string;
	super: boolean;
	login: boolean;
	createdb: boolean;
	createrole: boolean;
	replication: boolean;
}

export interface ServerInventory {
	version: string;
	versionNum: number;
	databases: DatabaseInfo[];
	roles: RoleInfo[];
}

export interface DatabaseContents {
	tables: TableRows[];
	sequences: Record<string, number>;
	views: string[];
	extensions: string[];
}

const SERVER_SQL = `jsonb_build_object(
	'version', current_setting('server_version'),
	'versionNum', current_setting('server_version_num')::int,
	'databases', (SELECT coalesce(jsonb_agg(jsonb_build_object('name', datname, 'encoding', pg_encoding_to_char(encoding),
		'collate', datcollate, 'ctype', datctype, 'sizeBytes', pg_database_size(oid)) ORDER BY datname), '[]') FROM pg_database WHERE NOT datistemplate),
	'roles', (SELECT coalesce(jsonb_agg(jsonb_build_object('name', rolname, 'super', rolsuper, 'login', rolcanlogin, 'createdb', rolcreatedb,
		'createrole', rolcreaterole, 'replication', rolreplication) ORDER BY rolname), '[]') FROM pg_roles WHERE rolname !~ '^pg_'))`;

const CONTENTS_SQL = `jsonb_build_object(
	'tables', (${TABLES_SQL}),
	'sequences', (SELECT coalesce(jsonb_object_agg(schemaname || '.' || sequencename, coalesce(last_value, 0)), '{}') FROM pg_sequences),
	'views', (SELECT coalesce(jsonb_agg(schemaname || '.' || viewname ORDER BY schemaname, viewname), '[]') FROM pg_views
		WHERE schemaname NOT IN ('pg_catalog', 'information_schema')),
	'extensions', (SELECT coalesce(jsonb_agg(extname ORDER BY extname), '[]') FROM pg_extension))`;

export function serverInventory(docker: Docker, container: string, conn: Conn): Promise<ServerInventory> {
	return queryJson<ServerInventory>(docker, container, { ...conn, database: 'postgres' }, SERVER_SQL);
}

export function databaseContents(docker: Docker, container: string, conn: Conn, database: string): Promise<DatabaseContents> {
	return queryJson<DatabaseContents>(docker, container, { ...conn, database }, CONTENTS_SQL);
}

/** Every difference between two servers' inventories, in words; empty when they match. */
export function serverDifferences(old: ServerInventory, now: ServerInventory): string[] {
	const out: string[] = [];
	const newDbs = new Map(now.databases.map((db) => [db.name, db]));
	for (const db of old.databases) {
		const other = newDbs.get(db.name);
		if (!other) out.push(`database ${db.name} is missing`);
		else if (other.encoding !== db.encoding || other.collate !== db.collate || other.ctype !== db.ctype) {
			out.push(`database ${db.name} is ${other.encoding}/${other.collate}/${other.ctype}, was ${db.encoding}/${db.collate}/${db.ctype}`);
		}
	}
	const newRoles = new Map(now.roles.map((role) => [role.name, role]));
	for (const role of old.roles) {
		const other = newRoles.get(role.name);
		if (!other) out.push(`role ${role.name} is missing`);
		else if (JSON.stringify(other) !== JSON.stringify(role)) out.push(`role ${role.name} has other attributes`);
	}
	return out;
}

export function contentDifferences(database: string, old: DatabaseContents, now: DatabaseContents): string[] {
	const out: string[] = [];
	const rows = new Map(now.tables.map((table) => [`${table.schema}.${table.name}`, table.rows]));
	for (const table of old.tables) {
		const key = `${table.schema}.${table.name}`;
		const got = rows.get(key);
		if (got === undefined) out.push(`${database}: table ${key} is missing`);
		else if (got !== table.rows) out.push(`${database}: table ${key} has ${got} rows, had ${table.rows}`);
	}
	for (const [sequence, value] of Object.entries(old.sequences)) {
		if (now.sequences[sequence] !== value) out.push(`${database}: sequence ${sequence} is at ${now.sequences[sequence] ?? 'nothing'}, was ${value}`);
	}
	for (const view of old.views) if (!now.views.includes(view)) out.push(`${database}: view ${view} is missing`);
	for (const extension of old.extensions) if (!now.extensions.includes(extension)) out.push(`${database}: extension ${extension} is missing`);
	return out;
}

export function totalRows(contents: DatabaseContents): number {
	return contents.tables.reduce((sum, table) => sum + table.rows, 0);
}
