import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { WizardSession } from '../../source/sessions/wizard-session.js';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { removeByLabel, uniqueName } from '../support/docker.js';
import { startApp } from '../support/app.js';
import { tempDir } from '../support/temp-dir.js';

// The interactive backend on the real engine, for what its screens say
// (issue 15, item 14): one "now" version only when every selected container
// runs it, and a skip chosen on the no-database screen called by its name.

const w = world();
const id = uniqueName('wss');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const databases: TestDatabase[] = [];

function session(): WizardSession {
	return new WizardSession({
		selection: { containers: [], labels: [] },
		env: { ...process.env, XDG_STATE_HOME: tempDir('uw-wss-') },
		request: { healthTimeoutS: 120, stableS: 10, keepOld: false, filters: { pre: false, allowMajor: false }, skipBackup: false, offlineBackup: false, noMigrations: false, stopAllFirst: false, argv: [] },
	});
}

beforeAll(async () => {
	for (const [suffix, tag] of [['old', '1.6.0'], ['new', '1.6.1']] as const) {
		const db = await createTestDatabase(w);
		databases.push(db);
		await startApp(w, { name: `${id}-${suffix}`, tag, db, caseLabel });
	}
});

afterAll(async () => {
	await removeByLabel(caseLabel);
	for (const db of databases) await db.drop();
});

describe('the wizard session', () => {
	it('refuses one "now" version for containers that run different ones', async () => {
		await expect(session().targets([{ name: `${id}-old` }, { name: `${id}-new` }])).rejects.toThrow(
			new RegExp(`run different versions \\(${id}-old: 1\\.6\\.0, ${id}-new: 1\\.6\\.1\\); upgrade them separately`),
		);
		const single = await session().targets([{ name: `${id}-old` }]);
		expect(single.current).toBe('1.6.0');
	});

	it('says the backup was skipped on the no-database screen, not by --skip-backup', async () => {
		const preview = await session().preview([{ name: `${id}-old` }], '1.6.1', { skipBackup: true });
		expect(preview.lines).toContain('Database: NO BACKUP (skipped on the no-database screen): a failed migration cannot be undone');
		expect(preview.containers[0]!.backup).toBe('NONE (skipped on the no-database screen)');
		expect(preview.lines.join('\n')).not.toContain('--skip-backup');
	});
});
