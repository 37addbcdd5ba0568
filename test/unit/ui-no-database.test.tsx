import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup } from 'ink-testing-library';
import type { DatabaseOverrides } from '../../source/core/wizard-backend.js';
import type { Gate } from '../../source/core/events.js';
import { maskTypedUrl, maskUrlPasswords } from '../../source/ui/format.js';
import { ENTER, ESC, playScript, press, previewFor, tick, toPlanScreen, upgradeScript, waitForFrame } from './ui-support.js';

vi.setConfig({ testTimeout: 20_000 });

// "No database found" in the wizard: the preview fails with kind
// 'no-database' and the operator answers what --db or --skip-backup would
// have; the URL's password is never drawn.

const PASSWORD = 's3cret-Pw';
const URL = `postgres://bob:${PASSWORD}@db.local:5432/app`;

function noDatabase(): Error {
	return Object.assign(new Error('app-1: no database found (no DATABASE_URL in its environment); pass --db URL, or --skip-backup to upgrade without a backup'), {
		kind: 'no-database',
		container: 'app-1',
	});
}

/** Preview as the session does it: no database unless the operator said which (or to skip). */
async function preview(containers: string[], tag: string, overrides?: DatabaseOverrides) {
	if (!overrides?.db && !overrides?.skipBackup) throw noDatabase();
	return previewFor(containers, tag);
}

async function toNoDatabase(options: Parameters<typeof toPlanScreen>[0] = {}) {
	const started = await toPlanScreen({ preview, ...options });
	await waitForFrame(started.app.lastFrame, 'No database found for app-1');
	await tick();
	return started;
}

afterEach(() => {
	cleanup();
});

describe('no database found (interactive)', () => {
	it('says what is missing and offers a URL or a skip', async () => {
		const { app } = await toNoDatabase();
		const frame = app.lastFrame()!;
		expect(frame).toContain('no DATABASE_URL in its environment');
		expect(frame).toContain('u   type its URL');
		expect(frame).toContain('s   upgrade without a backup');
	});

	it('plans again with a typed URL, and never draws its password', async () => {
		const { app, backend } = await toNoDatabase();
		await press(app.stdin, 'u');
		await waitForFrame(app.lastFrame, 'Database URL');
		// One key at a time, as typed: the password is hidden from its first character.
		await press(app.stdin, ...'postgres://bob:'.split(''));
		await press(app.stdin, ...PASSWORD.split(''));
		let frame = await waitForFrame(app.lastFrame, 'postgres://bob:***');
		await press(app.stdin, '@db.local:5432/app');
		frame = await waitForFrame(app.lastFrame, 'postgres://bob:***@db.local:5432/app');
		await press(app.stdin, ENTER);
		frame = await waitForFrame(app.lastFrame, 'The plan');
		expect(backend.calls.preview.at(-1)).toEqual([['app-1'], '1.7.0', { db: URL }]);
		await tick();
		await press(app.stdin, ENTER);
		await waitForFrame(app.lastFrame, 'Acknowledge the schema migration?');
		await press(app.stdin, 'y', ENTER);
		await waitForFrame(app.lastFrame, 'Upgrade complete');
		expect(backend.calls.run[0]!.overrides).toEqual({ db: URL });
		for (const shown of app.frames) expect(shown).not.toMatch(/s3cret|s3c|Pw@/);
		expect(frame).not.toContain(PASSWORD);
	});

	it('refuses a URL that is not postgres://, and esc leaves the input', async () => {
		const { app, backend } = await toNoDatabase();
		await press(app.stdin, 'u', 'mysql://x@y/z', ENTER);
		await waitForFrame(app.lastFrame, 'must start with postgres:// or postgresql://');
		expect(backend.calls.preview).toHaveLength(1);
		await press(app.stdin, ESC);
		await waitForFrame(app.lastFrame, 'u   type its URL');
		await press(app.stdin, ESC);
		await waitForFrame(app.lastFrame, 'MINOR');
	});

	it('a URL that fails to plan shows the error with the password masked; d asks for the database again', async () => {
		const { app, backend } = await toNoDatabase({
			preview: async (containers, tag, overrides) => {
				if (overrides?.db) throw new Error(`cannot connect to ${overrides.db}: password authentication failed for user "bob"`);
				return preview(containers, tag, overrides);
			},
		});
		await press(app.stdin, 'u', URL, ENTER);
		const frame = await waitForFrame(app.lastFrame, 'password authentication failed');
		expect(frame).toContain('postgres://bob:***@db.local:5432/app');
		expect(frame).toContain('d another database');
		await press(app.stdin, 'd');
		await waitForFrame(app.lastFrame, 'No database found for app-1');
		expect(backend.calls.preview.at(-1)).toEqual([['app-1'], '1.7.0']);
		for (const shown of app.frames) expect(shown).not.toContain(PASSWORD);
	});

	it('s asks to confirm the skip (enter alone goes back), then plans with skipBackup and does not ask it twice', async () => {
		const asked: Gate[] = [];
		const { app, backend } = await toNoDatabase({
			run: async (_containers, _tag, io) => {
				// The executor with --skip-backup asks this gate before anything.
				const skip: Gate = { kind: 'skip-backup', title: 'Upgrade without a backup?', message: 'No backup.' };
				const yes = await io.prompter.confirm(skip);
				asked.push(skip);
				io.onEvent({ type: 'gate', gate: skip, answer: yes, by: io.prompter.name, at: Date.now() });
				return playScript(upgradeScript().filter((item) => !('ask' in item && item.ask.kind === 'migration')), io);
			},
		});
		await press(app.stdin, 's');
		let frame = await waitForFrame(app.lastFrame, 'Upgrade without a backup?');
		expect(frame).toContain('[y/N]');
		await press(app.stdin, ENTER);
		await waitForFrame(app.lastFrame, 'No database found for app-1');
		expect(backend.calls.preview).toHaveLength(1);

		await press(app.stdin, 's');
		await waitForFrame(app.lastFrame, 'Upgrade without a backup?');
		await press(app.stdin, 'y', ENTER);
		frame = await waitForFrame(app.lastFrame, 'The plan');
		expect(backend.calls.preview.at(-1)).toEqual([['app-1'], '1.7.0', { skipBackup: true }]);
		await tick();
		await press(app.stdin, ENTER);
		await waitForFrame(app.lastFrame, 'Upgrade complete');
		expect(backend.calls.run[0]!.overrides).toEqual({ skipBackup: true });
		expect(asked).toHaveLength(1);
	});
});

describe('a database that is not PostgreSQL (interactive)', () => {
	const MESSAGE = 'app-1: its database is SQL Server (PROGET_SQL_CONNECTION_STRING); the wizard backs up only PostgreSQL: pass --skip-backup to upgrade without a backup';
	async function sqlServerPreview(containers: string[], tag: string, overrides?: DatabaseOverrides) {
		if (!overrides?.skipBackup) throw Object.assign(new Error(MESSAGE), { kind: 'not-postgres', container: 'app-1' });
		return previewFor(containers, tag);
	}

	it('says why, offers only the skip, and plans with skipBackup once confirmed', async () => {
		const { app, backend } = await toPlanScreen({ preview: sqlServerPreview });
		let frame = await waitForFrame(app.lastFrame, "app-1's database is not PostgreSQL");
		expect(frame).toContain('its database is SQL Server (PROGET_SQL_CONNECTION_STRING)');
		expect(frame).toContain('s   upgrade without a backup');
		expect(frame).not.toContain('type its URL');
		await tick();
		// u (and enter) offer no URL here: there is no PostgreSQL database to name.
		await press(app.stdin, 'u');
		frame = await waitForFrame(app.lastFrame, 's upgrade without a backup · esc back');
		expect(frame).not.toContain('Database URL');
		await press(app.stdin, 's');
		await waitForFrame(app.lastFrame, 'Upgrade without a backup?');
		await press(app.stdin, 'y', ENTER);
		await waitForFrame(app.lastFrame, 'The plan');
		expect(backend.calls.preview.at(-1)).toEqual([['app-1'], '1.7.0', { skipBackup: true }]);
	});
});

describe('masking database URLs', () => {
	it('hides a password in finished URLs and in a URL being typed', () => {
		expect(maskUrlPasswords(`failed: ${URL} and postgresql://u:p@h/d?sslmode=require&password=x`)).toBe(
			'failed: postgres://bob:***@db.local:5432/app and postgresql://u:***@h/d?sslmode=require&password=***',
		);
		expect(maskTypedUrl('postgres://bob')).toBe('postgres://bob');
		expect(maskTypedUrl('postgres://bob:')).toBe('postgres://bob:');
		expect(maskTypedUrl('postgres://bob:s')).toBe('postgres://bob:***');
		expect(maskTypedUrl('postgres://bob:s3cret@')).toBe('postgres://bob:***@');
		expect(maskTypedUrl('postgres://bob:s3cret@host/db')).toBe('postgres://bob:***@host/db');
		expect(maskTypedUrl('postgres://host:5432/db')).toBe('postgres://host:5432/db');
		expect(maskTypedUrl('postgres://bob@host/db')).toBe('postgres://bob@host/db');
	});
});
