// RFC 7235 challenges as registries send them: `Bearer realm="…",service="…",scope="…"`
// or `Basic realm="…"`. Quoted values may hold commas (scopes do), so a split on
// ',' is not enough.

export interface AuthChallenge {
	/** Lower-cased scheme: 'bearer', 'basic', … */
	scheme: string;
	/** Parameter names lower-cased, values unquoted. */
	params: Record<string, string>;
}

const TOKEN_CHAR = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;

export function parseWwwAuthenticate(header: string): AuthChallenge[] {
	const challenges: AuthChallenge[] = [];
	let i = 0;
	const skip = (pattern: RegExp) => {
		while (i < header.length && pattern.test(header[i])) i++;
	};
	const readToken = () => {
		const start = i;
		while (i < header.length && TOKEN_CHAR.test(header[i])) i++;
		return header.slice(start, i);
	};

	while (i < header.length) {
		skip(/[\s,]/);
		const token = readToken();
		if (token.length === 0) {
			i++; // a character no grammar allows here; step over it rather than loop
			continue;
		}
		skip(/\s/);
		if (header[i] === '=' && challenges.length > 0) {
			i++;
			skip(/\s/);
			challenges[challenges.length - 1].params[token.toLowerCase()] = header[i] === '"' ? readQuoted() : readToken();
			continue;
		}
		challenges.push({ scheme: token.toLowerCase(), params: {} });
	}
	return challenges;

	function readQuoted(): string {
		let value = '';
		i++; // opening quote
		while (i < header.length && header[i] !== '"') {
			if (header[i] === '\\' && i + 1 < header.length) i++;
			value += header[i];
			i++;
		}
		i++; // closing quote
		return value;
	}
}
