import { afterAll, beforeAll } from 'vitest';
import { startApp } from './app.js';
import { removeByLabel, uniqueName } from './docker.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import { terminal, tmux } from './tmux.js';
import { world } from './world.js';

// The shape the TUI files start from: one app on 1.6.0 with a database of its
// own, and a tmux session name for the wizard. Set up before the file's tests,
// removed after them (the session, every container of the case, the database).

export function terminalAppCase(prefix: string) {
	const w = world();
	const id = uniqueName(prefix);
	const caseLabel = `io.upgrade-wizard.case=${id}`;
	const name = `${id}-app`;
	const session = `uw-${id}`;
	let db: TestDatabase | undefined;
	beforeAll(async () => {
		db = await createTestDatabase(w);
		await startApp(w, { name, tag: '1.6.0', db, caseLabel });
	});
	afterAll(async () => {
		await tmux('kill-session', '-t', session).catch(() => undefined);
		await removeByLabel(caseLabel);
		await db?.drop();
	});
	return { w, id, caseLabel, name, session, ...terminal(session) };
}
