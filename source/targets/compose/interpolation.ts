import { ComposeImageError } from './errors.js';
import type { EnvEntry, EnvFile } from './env-file.js';

// Compose's interpolation (compose-go's template package) of one string:
// `$$` is a literal `$`; `$NAME` and `${NAME}` substitute; `${NAME:-default}`
// (unset or empty), `${NAME-default}` (unset), `${NAME:?err}` / `${NAME?err}`
// (required), `${NAME:+alt}` / `${NAME+alt}` (alternative). Each piece keeps
// where it came from, so the caller can tell which variable (or which
// literal characters) the image's tag is made of.

export type Operator = '' | ':-' | '-' | ':?' | '?' | ':+' | '+';

export type Piece =
	| { kind: 'text'; text: string; /** source index (in the template) of each character */ from: number[] }
	| { kind: 'variable'; name: string; op: Operator; arg: string; start: number; end: number };

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/;

export function parseTemplate(template: string, where: string): Piece[] {
	const pieces: Piece[] = [];
	const text = (char: string, at: number) => {
		const last = pieces.at(-1);
		if (last?.kind === 'text') {
			last.text += char;
			last.from.push(at);
		} else pieces.push({ kind: 'text', text: char, from: [at] });
	};
	const invalid = (): never => {
		throw new ComposeImageError('invalid-reference', `${where}: invalid interpolation in ${JSON.stringify(template)}`);
	};
	let i = 0;
	while (i < template.length) {
		if (template[i] !== '$') {
			text(template[i], i);
			i++;
			continue;
		}
		const next = template[i + 1];
		if (next === '$') {
			text('$', i);
			i += 2;
		} else if (next === '{') {
			const close = closingBrace(template, i);
			if (close < 0) invalid();
			const body = template.slice(i + 2, close);
			const name = NAME.exec(body)?.[0];
			if (!name) invalid();
			const rest = body.slice(name!.length);
			const op = /^:?[-?+]/.exec(rest)?.[0] ?? '';
			if (rest && !op) invalid();
			pieces.push({ kind: 'variable', name: name!, op: op as Operator, arg: rest.slice(op.length), start: i, end: close + 1 });
			i = close + 1;
		} else {
			const name = NAME.exec(template.slice(i + 1))?.[0];
			if (!name) invalid();
			pieces.push({ kind: 'variable', name: name!, op: '', arg: '', start: i, end: i + 1 + name!.length });
			i += 1 + name!.length;
		}
	}
	return pieces;
}

/** The `}` closing the `${` at `open`, counting nested `${...}` the way compose-go does. */
function closingBrace(template: string, open: number): number {
	let depth = 0;
	for (let i = open; i < template.length; i++) {
		if (template.startsWith('${', i)) {
			depth++;
			i++;
		} else if (template[i] === '}' && --depth === 0) return i;
	}
	return -1;
}

/** What a variable piece substitutes, and what decided it. */
export interface Substitution {
	value: string;
	/** 'env-file': the entry's value; 'default' / 'alternative': the piece's argument. */
	from: 'env-file' | 'default' | 'alternative';
	/** The env file's definition, when there is one (also for a default taken because it is empty). */
	entry?: EnvEntry;
}

/**
 * The value Compose substitutes for one variable, from the env file alone:
 * the shell environment (which Compose lets override the env file) is not
 * the wizard's to read, so a value only it could provide is an error that
 * names the variable.
 */
export function substitute(piece: Extract<Piece, { kind: 'variable' }>, env: EnvFile | undefined, where: string): Substitution {
	const entry = env?.get(piece.name);
	if (entry && entry.value === undefined) {
		throw new ComposeImageError('shell-only', `${where}: ${piece.name} is taken from the shell environment (a bare "${piece.name}" line in the env file); set ${piece.name}=... in the env file`, piece.name);
	}
	const value = entry?.value;
	if (entry && !entry.verbatim) {
		throw new ComposeImageError('unsupported', `${where}: the env file's ${piece.name} (line ${entry.line}) is written with escapes; write its value out plainly`, piece.name);
	}
	if (entry?.expands) {
		throw new ComposeImageError('unsupported', `${where}: the env file's ${piece.name} refers to other variables; write its value out`, piece.name);
	}
	const set = value !== undefined;
	const nonEmpty = set && value !== '';
	const argument = (from: 'default' | 'alternative'): Substitution => {
		if (piece.arg.includes('$')) {
			throw new ComposeImageError('unsupported', `${where}: the ${from} of ${piece.name} refers to other variables`, piece.name);
		}
		return { value: piece.arg, from, entry };
	};
	switch (piece.op) {
		case ':-':
			return nonEmpty ? { value: value!, from: 'env-file', entry } : argument('default');
		case '-':
			return set ? { value: value!, from: 'env-file', entry } : argument('default');
		case ':+':
			return nonEmpty ? argument('alternative') : { value: '', from: 'alternative', entry };
		case '+':
			return set ? argument('alternative') : { value: '', from: 'alternative', entry };
		default: {
			// '', ':?' and '?': Compose has only the env file or the shell to take it from.
			const ok = piece.op === '?' ? set : piece.op === ':?' ? nonEmpty : set;
			if (ok) return { value: value!, from: 'env-file', entry };
			const required = piece.op === '' ? '' : ` (required${piece.arg ? `: ${piece.arg}` : ''})`;
			throw new ComposeImageError(
				'shell-only',
				`${where}: ${piece.name}${required} is not set in the env file, so only the shell environment could provide it; set ${piece.name}=... in the env file`,
				piece.name,
			);
		}
	}
}

/** Names of the variables a string refers to; strings that are not valid templates refer to none. */
export function variablesIn(template: string): string[] {
	try {
		return parseTemplate(template, '').flatMap((piece) => (piece.kind === 'variable' ? [piece.name] : []));
	} catch {
		return [];
	}
}
