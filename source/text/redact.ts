// Secrets are redacted at the event boundary: everything the executor emits,
// journals or logs passes through a Redactor that knows the secret values seen
// so far (env values of inspected containers, passwords inside URLs).

// The one masker: every module that may put a secret into text (events, the
// journal, the audit log, database and registry errors, the screens) masks
// through these functions.

const SECRET_KEY = /pass|secret|token|credential|private|api_?key|auth/i;
/** Whole words of a variable name that mark it secret: DB_PWD, SMTP_PW, JWT_SIGNING_KEY, SENTRY_DSN. */
const SECRET_WORDS = new Set(['pw', 'pwd', 'passwd', 'key', 'apikey', 'dsn', 'salt', 'cookie', 'cert', 'jwt']);

/** Whether an env variable's value is a secret, by its name. PWD alone is the shell's working directory. */
export function isSecretName(key: string): boolean {
	if (key === 'PWD' || key === 'OLDPWD') return false;
	return SECRET_KEY.test(key) || key.toLowerCase().split(/[^a-z0-9]+/).some((word) => SECRET_WORDS.has(word));
}
const MASK = '***';
/**
 * scheme://user:PASSWORD@ (an empty password stays empty: nothing to hide). The
 * password runs to the last '@' of the word: an unencoded one may hold '@' itself.
 */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)(\S+)(@)/gi;
/** password=... in a query string, a keyword/value connection string or an env entry (PGPASSWORD=...). */
const KEYWORD_PASSWORD = /(password\s*=\s*)('[^']*'|[^&\s]+)/gi;

/** Passwords out of any text that may quote a connection URL or string. */
export function maskUrlPasswords(text: string): string {
	return text.replace(URL_PASSWORD, `$1${MASK}$3`).replace(KEYWORD_PASSWORD, `$1${MASK}`);
}

/** Known secrets out of a text, as given and percent-encoded; shorter ones than `minLength` are left (they would mask unrelated text). */
export function maskSecrets(text: string, secrets: Iterable<string | undefined>, minLength = 1): string {
	let out = text;
	const forms = new Set<string>();
	for (const secret of secrets) {
		if (!secret) continue;
		for (const form of [secret, encodeURIComponent(secret)]) if (form.length >= minLength) forms.add(form);
	}
	// Longest first, so a secret containing another is masked whole.
	for (const form of [...forms].sort((a, b) => b.length - a.length)) {
		if (out.includes(form)) out = out.split(form).join(MASK);
	}
	return out;
}

/** Password part of a URL-ish string (scheme://user:password@host...). */
function urlPasswords(value: string): string[] {
	return [...value.matchAll(URL_PASSWORD)].map((match) => match[2]!).filter(Boolean);
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
			if (isSecretName(key)) this.add(value);
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
		return maskSecrets(maskUrlPasswords(value), this.secrets);
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
