import pg from 'pg';
import type { DatabaseTarget } from './database-target.js';
import { clientConfig } from './libpq-env.js';
import type { TableRows } from './sql.js';

// The exact row counts that verify a parallel restore, counted on `jobs`
// connections at once: right after a bulk load every page is read (and its
// hint bits set) for the first time, so one connection counting every table
// in turn would give back much of what the parallel load won. Same tables as
// TABLES_SQL (ordinary and partitioned, no catalogs, no extension members).

const LIST_SQL = `
SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
	AND n.nspname NOT IN ('pg_catalog', 'information_schema')
	AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
	AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY pg_table_size(c.oid) DESC`;

async function connect(target: DatabaseTarget): Promise<pg.Client> {
	const client = new pg.Client(clientConfig(target, 'upgrade-wizard-verify'));
	client.on('error', () => undefined);
	await client.connect();
	return client;
}

export async function countRowsParallel(target: DatabaseTarget, jobs: number): Promise<TableRows[]> {
	const clients: pg.Client[] = [];
	try {
		clients.push(await connect(target));
		const tables = (await clients[0]!.query<{ schema: string; name: string }>(LIST_SQL)).rows;
		while (clients.length < Math.min(Math.max(1, jobs), tables.length)) clients.push(await connect(target));
		const counted: TableRows[] = [];
		let next = 0;
		// Largest first, each connection taking the next table when it is done: the tail stays short.
		await Promise.all(
			clients.map(async (client) => {
				while (next < tables.length) {
					const table = tables[next++]!;
					const result = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${client.escapeIdentifier(table.schema)}.${client.escapeIdentifier(table.name)}`);
					counted.push({ schema: table.schema, name: table.name, rows: Number(result.rows[0]!.n) });
				}
			}),
		);
		return counted.sort((a, b) => (a.schema === b.schema ? (a.name < b.name ? -1 : 1) : a.schema < b.schema ? -1 : 1));
	} finally {
		await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
	}
}
