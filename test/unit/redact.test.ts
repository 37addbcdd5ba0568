import { describe, expect, it } from 'vitest';
import { Redactor } from '../../source/text/redact.js';

describe('Redactor', () => {
	it('masks passwords in URLs and secret-looking env values wherever they appear', () => {
		const redactor = new Redactor();
		redactor.addEnv(['DATABASE_URL=postgresql://app:pa%24%24word@/db?host=/run', 'API_TOKEN=tok-123456', 'MODE=fast']);
		expect(redactor.text('url postgresql://app:pa%24%24word@/db')).toBe('url postgresql://app:***@/db');
		expect(redactor.text('token is tok-123456.')).toBe('token is ***.');
		expect(redactor.text('log: connecting with pa%24%24word')).toBe('log: connecting with ***');
		expect(redactor.text('log: connecting with pa$$word')).toBe('log: connecting with ***');
		expect(redactor.text('MODE=fast')).toBe('MODE=fast');
	});

	it('redacts deep copies without changing the input', () => {
		const redactor = new Redactor();
		redactor.addEnv(['PGPASSWORD=hunter22']);
		const input = { a: ['PGPASSWORD=hunter22', 3], b: { c: 'hunter22 again' } };
		expect(redactor.value(input)).toEqual({ a: ['PGPASSWORD=***', 3], b: { c: '*** again' } });
		expect(input.b.c).toBe('hunter22 again');
	});
});

describe('the one masker', () => {
	it('knows secret variables by the words of their names, beyond pass/secret/token', async () => {
		const { isSecretName } = await import('../../source/text/redact.js');
		for (const key of ['DB_PWD', 'SMTP_PW', 'JWT_SIGNING_KEY', 'SENTRY_DSN', 'API_KEY', 'DATABASE_PASSWORD', 'GITHUB_TOKEN', 'AUTH_HEADER']) expect(isSecretName(key), key).toBe(true);
		for (const key of ['PWD', 'PATH', 'KEYBOARD_LAYOUT', 'MONKEY', 'PORT', 'APP_FLAVOR']) expect(isSecretName(key), key).toBe(false);
		const redactor = new Redactor();
		redactor.addEnv(['SENTRY_DSN=https://abc123key@sentry.example/1', 'DB_PWD=hunter2x']);
		expect(redactor.text('dsn https://abc123key@sentry.example/1 pw hunter2x')).toBe('dsn *** pw ***');
	});

	it('masks URL, query, keyword and env-style passwords, and leaves an empty one alone', async () => {
		const { maskUrlPasswords } = await import('../../source/text/redact.js');
		expect(maskUrlPasswords('postgres://u:p/w@h/db')).toBe('postgres://u:***@h/db');
		expect(maskUrlPasswords('postgres://u:@h/db')).toBe('postgres://u:@h/db');
		expect(maskUrlPasswords('postgres://u@h/db?sslmode=require&password=x')).toBe('postgres://u@h/db?sslmode=require&password=***');
		expect(maskUrlPasswords("host=h password='a b' dbname=x")).toBe('host=h password=*** dbname=x');
		expect(maskUrlPasswords('PGPASSWORD=hunter2 psql')).toBe('PGPASSWORD=*** psql');
		expect(maskUrlPasswords('postgres://host:5432/db')).toBe('postgres://host:5432/db');
		// An unencoded password holding '@' is masked whole, not up to its first '@'.
		expect(maskUrlPasswords('malformed database URL postgres://u:p@ss:w/rd%@h/db: bad')).toBe('malformed database URL postgres://u:***@h/db: bad');
	});

	it('masks known secrets as given and percent-encoded, longest first, above a minimum length', async () => {
		const { maskSecrets } = await import('../../source/text/redact.js');
		expect(maskSecrets('a p@ss and p%40ss', ['p@ss'])).toBe('a *** and ***');
		expect(maskSecrets('abcdef abc', ['abc', 'abcdef'])).toBe('*** ***');
		expect(maskSecrets('x ab y', ['ab'], 4)).toBe('x ab y');
	});
});
