import React from 'react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { render } from 'ink-testing-library';
import { join } from 'node:path';
import { WizardApp } from '../../source/ui/app.js';
import { WizardSession } from '../../source/sessions/wizard-session.js';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { inspect, removeByLabel, uniqueName } from '../support/docker.js';
import { startApp } from '../support/app.js';
import { ENTER, press, waitForFrame } from '../unit/ui-support.js';
import { tempDir } from '../support/temp-dir.js';

// The whole interactive flow, driven through the screens by keys, with the real
// session and executor underneath: a real container ends on the new version.

const w = world();
const id = uniqueName('uif');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const name = `${id}-app`;
let db: TestDatabase;

beforeAll(async () => {
	db = await createTestDatabase(w);
	await startApp(w, { name, tag: '1.6.0', db, caseLabel });
});

afterAll(async () => {
	await removeByLabel(caseLabel);
	await db?.drop();
});

describe('the wizard on the real engine', () => {
	it('selects the container, picks 1.7.0, confirms, acknowledges and finishes upgraded', async () => {
		const selection = { containers: [name], labels: [] };
		const session = new WizardSession({
			selection,
			to: '1.7.0',
			env: { ...process.env, XDG_STATE_HOME: tempDir('uw-ui-flow-') },
			request: {
				healthTimeoutS: 120,
				stableS: 10,
				keepOld: false,
				filters: { pre: false, allowMajor: false },
				skipBackup: false,
				offlineBackup: false,
				noMigrations: false,
				stopAllFirst: false,
				argv: [],
			},
		});
		let exitCode: number | undefined;
		const { lastFrame, stdin, unmount } = render(<WizardApp backend={session} options={{ preselect: selection, to: '1.7.0' }} onExit={(code) => (exitCode = code)} />);
		try {
			await waitForFrame(lastFrame, `[x] ${name}`, 20_000);
			await press(stdin, ENTER);
			await waitForFrame(lastFrame, /› 1\.7\.0/, 20_000);
			await press(stdin, ENTER);
			await waitForFrame(lastFrame, 'The plan', 20_000);
			await press(stdin, ENTER);
			await waitForFrame(lastFrame, 'Back up the database', 20_000);
			await press(stdin, 'y', ENTER);
			await waitForFrame(lastFrame, 'Schema migration in 1.7.0', 20_000);
			await press(stdin, 'y', ENTER);
			const summary = await waitForFrame(lastFrame, 'Upgrade complete', 120_000);
			expect(summary).toMatch(new RegExp(`${name} .*1\\.6\\.0 → .*1\\.7\\.0\\s+upgraded`));
			expect(summary).toContain('sha256');
			await press(stdin, ENTER);
			expect(exitCode).toBe(0);
		} finally {
			unmount();
		}
		const after = await inspect(name);
		expect(after.Config.Image).toBe(`${w.appRepo}:1.7.0`);
		expect(after.State.Running).toBe(true);
	});
});
