import { ComposeImageError } from './errors.js';

// The env file read the way Compose reads it for interpolation (compose-go's
// dotenv parser): `KEY=VALUE` or `KEY: VALUE`, an optional `export `, `#`
// comment lines, blank lines; a value unquoted (up to the end of the line,
// cut at ` #`, trailing blanks trimmed), 'single-quoted' (literal) or
// "double-quoted" (escapes, `$` expanded), quoted values may span lines; a
// bare `KEY` takes the shell's value; the last definition of a key wins.
// Each entry keeps where its value sits, so an edit rewrites only the value's
// characters and leaves quotes, comments and line endings as they are.

export interface EnvEntry {
	key: string;
	/** The value as Compose reads it, before any `$` expansion; undefined for a bare `KEY` (from the shell). */
	value: string | undefined;
	quote: '' | "'" | '"';
	/** Where the value's characters are (inside the quotes). */
	start: number;
	end: number;
	/** 1-based line of the key. */
	line: number;
	/** The value's source characters are the value itself (no escapes): it can be edited in place. */
	verbatim: boolean;
	/** Compose expands `$` in the value (unquoted or double-quoted): it depends on other variables. */
	expands: boolean;
}

export interface EnvFile {
	entries: EnvEntry[];
	/** The definition Compose uses: the last one. */
	get(key: string): EnvEntry | undefined;
}

// Blanks that are not line breaks (compose-go's isSpace: '\r' is one, so CRLF files read like LF ones).
const BLANK = /[\t\v\f\r \u0085\u00a0]/;
const KEY_CHAR = /[\p{L}\p{N}_.\-[\]]/u;

export function parseEnvFile(path: string, text: string): EnvFile {
	const entries: EnvEntry[] = [];
	const lineAt = (index: number) => text.slice(0, index).split('\n').length;
	const fail = (index: number, why: string): never => {
		throw new ComposeImageError('invalid-env-file', `${path} line ${lineAt(index)}: ${why}`);
	};
	let i = 0;
	while (i < text.length) {
		if (/\s/.test(text[i])) {
			i++;
			continue;
		}
		if (text[i] === '#') {
			i = lineEnd(text, i);
			continue;
		}
		const keyAt = i;
		if (/^export\s/.test(text.slice(i, i + 7))) {
			i += 6;
			while (i < text.length && BLANK.test(text[i])) i++;
		}
		const keyStart = i;
		while (i < text.length && text[i] !== '=' && text[i] !== ':' && text[i] !== '\n') {
			if (!BLANK.test(text[i]) && !KEY_CHAR.test(text[i])) fail(i, `unexpected character ${JSON.stringify(text[i])} in a variable name`);
			i++;
		}
		const key = text.slice(keyStart, i).trimEnd();
		if (/\s/.test(key)) fail(keyAt, `a variable name cannot contain a space (${JSON.stringify(key)})`);
		if (i >= text.length || text[i] === '\n') {
			entries.push({ key, value: undefined, quote: '', start: i, end: i, line: lineAt(keyAt), verbatim: false, expands: false });
			continue;
		}
		i++;
		while (i < text.length && BLANK.test(text[i])) i++;
		const quote = text[i];
		if (quote === "'" || quote === '"') {
			const closing = closingQuote(text, i);
			if (closing < 0) fail(i, 'unterminated quoted value');
			const source = text.slice(i + 1, closing);
			// A backslash before the quote drops; any other escape is kept (single) or expanded (double).
			const value = source.replace(quote === "'" ? /\\'/g : /\\"/g, quote);
			entries.push({
				key,
				value,
				quote,
				start: i + 1,
				end: closing,
				line: lineAt(keyAt),
				verbatim: !source.includes('\\'),
				expands: quote === '"' && value.includes('$'),
			});
			i = closing + 1;
			continue;
		}
		const end = lineEnd(text, i);
		let value = text.slice(i, end);
		const comment = value.indexOf(' #');
		if (comment >= 0) value = value.slice(0, comment);
		value = value.replace(/\s+$/u, '');
		entries.push({ key, value, quote: '', start: i, end: i + value.length, line: lineAt(keyAt), verbatim: true, expands: value.includes('$') });
		i = end;
	}
	return {
		entries,
		get(key) {
			for (let n = entries.length - 1; n >= 0; n--) if (entries[n].key === key) return entries[n];
			return undefined;
		},
	};
}

function lineEnd(text: string, from: number): number {
	const end = text.indexOf('\n', from);
	return end < 0 ? text.length : end;
}

function closingQuote(text: string, open: number): number {
	const quote = text[open];
	for (let i = open + 1; i < text.length; i++) {
		if (text[i] === '\\') i++;
		else if (text[i] === quote) return i;
	}
	return -1;
}
