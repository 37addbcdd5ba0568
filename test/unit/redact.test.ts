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
