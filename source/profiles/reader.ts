import { UsageError } from '../core/errors.js';

// Reading a profile document: each check fails with one line naming the file,
// the key and the problem. A module of its own so the parts of the schema kept
// apart (database-schema.ts, behaviour-schema.ts) need not import schema.ts,
// which imports them.

export type Json = unknown;

export class Reader {
	constructor(readonly source: string) {}

	fail(key: string, problem: string): never {
		throw new UsageError(`profile ${this.source}: ${key}: ${problem}`);
	}

	object(value: Json, key: string, known: string[]): Record<string, Json> {
		if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(key || '(top level)', `must be a mapping, not ${kind(value)}`);
		const record = value as Record<string, Json>;
		const unknown = Object.keys(record).find((name) => !known.includes(name));
		if (unknown !== undefined) this.fail(join(key, unknown), `unknown key (known here: ${known.join(', ')})`);
		return record;
	}

	string(value: Json, key: string, pattern?: RegExp, what?: string): string {
		if (typeof value !== 'string' || value.trim() === '') this.fail(key, `must be a non-empty string, not ${kind(value)}`);
		if (pattern && !pattern.test(value)) this.fail(key, `must be ${what}, not ${JSON.stringify(value)}`);
		return value;
	}

	strings(value: Json, key: string, pattern?: RegExp, what?: string): string[] {
		const list = typeof value === 'string' ? [value] : value;
		if (!Array.isArray(list) || list.length === 0) this.fail(key, `must be a string or a non-empty list of strings, not ${kind(value)}`);
		return list.map((item, index) => this.string(item, `${key}[${index}]`, pattern, what));
	}

	integer(value: Json, key: string, min: number, max: number): number {
		if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) this.fail(key, `must be an integer ${min}..${max}, not ${JSON.stringify(value) ?? kind(value)}`);
		return value;
	}

	regex(value: Json, key: string): string {
		const text = this.string(value, key);
		try {
			new RegExp(text, 'i');
		} catch (error) {
			this.fail(key, `is not a valid regular expression: ${(error as Error).message}`);
		}
		return text;
	}
}

export function kind(value: Json): string {
	if (value === undefined) return 'missing';
	if (value === null) return 'empty';
	if (Array.isArray(value)) return 'a list';
	return typeof value === 'object' ? 'a mapping' : `${typeof value} ${JSON.stringify(value)}`;
}

export function join(parent: string, key: string): string {
	return parent ? `${parent}.${key}` : key;
}
