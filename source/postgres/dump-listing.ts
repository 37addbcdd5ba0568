// `pg_restore --list` prints one table-of-contents entry per line:
//   215; 1259 16390 TABLE public accounts app
//   <dump id>; <catalog oid> <oid> <description> <schema or -> <name> <owner>
// Descriptions can be several words (TABLE DATA, MATERIALIZED VIEW), names can
// contain spaces, and nothing is quoted, so entries are matched against names
// we already know rather than split blindly.

export interface ListingEntry {
	description: string;
	/** "<schema> <name> <owner>" as printed. */
	rest: string;
}

const DESCRIPTIONS = [
	'TABLE DATA',
	'TABLE ATTACH',
	'TABLE',
	'SCHEMA',
	'SEQUENCE SET',
	'SEQUENCE OWNED BY',
	'SEQUENCE',
	'MATERIALIZED VIEW DATA',
	'MATERIALIZED VIEW',
	'VIEW',
	'FOREIGN TABLE',
];

export function parseListing(listing: string): ListingEntry[] {
	const entries: ListingEntry[] = [];
	for (const line of listing.split('\n')) {
		const match = /^\d+;\s+\d+\s+\d+\s+(.*)$/.exec(line.trimEnd());
		if (!match) continue;
		const body = match[1]!;
		const description = DESCRIPTIONS.find((d) => body.startsWith(`${d} `)) ?? body.split(' ')[0]!;
		entries.push({ description, rest: body.slice(description.length + 1) });
	}
	return entries;
}

/** Does the listing define this table (its TABLE entry, not just data)? */
export function listsTable(entries: ListingEntry[], schema: string, name: string): boolean {
	const prefix = `${schema} ${name}`;
	return entries.some((e) => e.description === 'TABLE' && (e.rest === prefix || e.rest.startsWith(`${prefix} `)));
}

/** "schema.name" of every TABLE entry (the owner, the last word, dropped). */
export function listedTables(entries: ListingEntry[]): string[] {
	return entries
		.filter((e) => e.description === 'TABLE')
		.map((e) => {
			const words = e.rest.split(' ');
			const schema = words[0]!;
			const name = words.length > 2 ? words.slice(1, -1).join(' ') : (words[1] ?? '');
			return `${schema}.${name}`;
		});
}

/** Names of the schemas the dump creates ("SCHEMA - name owner"). */
export function listedSchemas(entries: ListingEntry[]): string[] {
	return entries
		.filter((e) => e.description === 'SCHEMA' && e.rest.startsWith('- '))
		.map((e) => {
			const words = e.rest.slice(2).split(' ');
			return words.length > 1 ? words.slice(0, -1).join(' ') : words[0]!;
		});
}
