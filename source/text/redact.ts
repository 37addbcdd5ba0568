// Secrets are redacted at the event boundary: everything the executor emits,
// journals or logs passes through a Redactor that knows the secret values seen
// so far (env values of inspected containers, passwords inside URLs).

const SECRET_KEY = /pass|secret|token|credential|private|api_?key|auth/i;
const MASK = '***';

/** Password part of a URL-ish string (scheme://user:password@host...). */
function urlPasswords(value: string): string[] {
	const found: string[] = [];
	for (const match of value.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:([^@\s/]+)@/gi)) {
		if (match[1]) found.push(match[1]);
	}
	return found;
}

export class Redactor {
	private readonly secrets = new Set<string>();

	/** Learn the secret parts of a list of KEY=VALUE environment entries. */
	addEnv(env: readonly string[] | undefined | null): void {
		for (const entry of env ?? []) {
			const eq = entry.indexOf('=');
			if (eq < 0) continue;
			const key = entry.slice(0, eq);
			const value = entry.slice(eq + 1);
			if (SECRET_KEY.test(key)) this.add(value);
			for (const password of urlPasswords(value)) this.add(password);
		}
	}

	add(secret: string | undefined): void {
		// Very short values would mask unrelated text everywhere; they are not
		// worth hiding by substring (URL passwords are still masked in place).
		if (secret && secret.length >= 4) this.secrets.add(secret);
		if (!secret) return;
		// The same secret may show up percent-encoded (in a URL) or decoded (in a log line).
		for (const transform of [encodeURIComponent, decodeURIComponent]) {
			try {
				const variant = transform(secret);
				if (variant !== secret && variant.length >= 4) this.secrets.add(variant);
			} catch {
				// not a valid encoding: nothing more to learn
			}
		}
	}

	text(value: string): string {
		let out = value.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)([^@\s/]+)(@)/gi, `$1${MASK}$3`);
		// Longest first, so a secret containing another is masked whole.
		for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
			if (out.includes(secret)) out = out.split(secret).join(MASK);
		}
		return out;
	}

	/** Deep copy of a JSON-like value with every string redacted. */
	value<T>(input: T): T {
		return this.walk(input) as T;
	}

	private walk(input: unknown): unknown {
		if (typeof input === 'string') return this.text(input);
		if (Array.isArray(input)) return input.map((item) => this.walk(item));
		if (input && typeof input === 'object') {
			const out: Record<string, unknown> = {};
			for (const [key, item] of Object.entries(input)) out[key] = this.walk(item);
			return out;
		}
		return input;
	}
}
