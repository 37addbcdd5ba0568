import type { TableRows } from './sql.js';

// A restore is only done when every table the backup recorded is back with
// exactly its row count, and nothing else is there.

export interface VerifiedTable {
	schema: string;
	name: string;
	expected: number;
	actual: number;
}

export function compareTables(expected: TableRows[], actual: TableRows[]): { verified: VerifiedTable[]; problems: string[] } {
	const key = (t: { schema: string; name: string }) => JSON.stringify([t.schema, t.name]);
	const now = new Map(actual.map((t) => [key(t), t.rows]));
	const wanted = new Set(expected.map(key));
	const problems: string[] = [];
	const verified = expected.map((t) => {
		const rows = now.get(key(t));
		if (rows === undefined) problems.push(`${t.schema}.${t.name} is missing`);
		else if (rows !== t.rows) problems.push(`${t.schema}.${t.name} has ${rows} rows, the backup ${t.rows}`);
		return { schema: t.schema, name: t.name, expected: t.rows, actual: rows ?? -1 };
	});
	for (const t of actual) if (!wanted.has(key(t))) problems.push(`${t.schema}.${t.name} is not in the backup`);
	return { verified, problems };
}

export function problemsText(problems: string[]): string {
	return problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : '');
}
