import type { ConfigFormat } from './database-schema.js';

// One value out of an app's own config file (YAML, JSON or ini), by a dotted
// key: `database.url` is `database: { url: ... }`, and in ini `[database]
// url = ...`. A key that itself holds dots (`db.uri: ...`) is found too: the
// longest literal key is tried first at every level. YAML is loaded by
// import() so a plain run never pays for the parser.

export class ConfigFileError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'ConfigFileError';
	}
}

/** The value at `key`, as text (numbers and booleans as written); undefined when the key is absent. */
export async function configValue(text: string, format: ConfigFormat, key: string): Promise<string | undefined> {
	const segments = key.split('.');
	if (format === 'ini') return iniValue(text, segments);
	let document: unknown;
	try {
		document = format === 'json' ? JSON.parse(text) : (await yamlParse())(text);
	} catch (error) {
		throw new ConfigFileError(`not valid ${format === 'json' ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`);
	}
	const value = lookup(document, segments);
	if (value === undefined || value === null) return undefined;
	if (typeof value === 'object') throw new ConfigFileError(`${key} is a ${Array.isArray(value) ? 'list' : 'mapping'}, not a value`);
	return String(value);
}

function lookup(node: unknown, segments: string[]): unknown {
	if (segments.length === 0) return node;
	if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
	const record = node as Record<string, unknown>;
	for (let n = segments.length; n >= 1; n--) {
		const name = segments.slice(0, n).join('.');
		if (!Object.hasOwn(record, name)) continue;
		const found = lookup(record[name], segments.slice(n));
		if (found !== undefined) return found;
	}
	return undefined;
}

async function yamlParse(): Promise<(text: string) => unknown> {
	// Bundled, yaml (CommonJS) arrives as the default export; unbundled, as named exports.
	const yaml = (await import('yaml')) as typeof import('yaml') & { default?: typeof import('yaml') };
	const parse = yaml.parse ?? yaml.default!.parse;
	return (text) => parse(text);
}

/**
 * ini as Python's configparser and most apps write it: `[section]` headers,
 * `key = value` or `key: value`, `;` and `#` comment lines, keys compared
 * ignoring case, a value in matching quotes unquoted. Keys before the first
 * section (or a key without a section) are looked up without one.
 */
export function iniValue(text: string, segments: string[]): string | undefined {
	const sections = new Map<string, Map<string, string>>([['', new Map()]]);
	let current = sections.get('')!;
	for (const raw of text.split(/\r?\n/)) {
		const line = raw.trim();
		if (line === '' || line.startsWith(';') || line.startsWith('#')) continue;
		const header = /^\[([^\]]+)\]$/.exec(line);
		if (header) {
			const name = header[1]!.trim();
			current = sections.get(name) ?? new Map();
			sections.set(name, current);
			continue;
		}
		const eq = line.search(/[=:]/);
		if (eq <= 0) continue;
		const value = line.slice(eq + 1).trim();
		const quoted = /^(["'])(.*)\1$/.exec(value);
		current.set(line.slice(0, eq).trim().toLowerCase(), quoted ? quoted[2]! : value);
	}
	// The section is everything before the last dot (a section name may hold dots).
	for (let n = segments.length - 1; n >= 0; n--) {
		const section = sections.get(segments.slice(0, n).join('.'));
		const value = section?.get(segments.slice(n).join('.').toLowerCase());
		if (value !== undefined) return value;
	}
	return undefined;
}
