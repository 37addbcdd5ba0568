import type Docker from 'dockerode';
import { TransitionFailure, type TransitionContext } from '../../core/ports.js';
import { contentDifferences, databaseContents, serverDifferences, serverInventory, totalRows, type ServerInventory } from './inventory.js';
import { loginFails, rehashKnown, type KnownLogin } from './scram.js';
import type { Conn } from './server-sql.js';
import type { PostgresServerUnit } from './unit.js';

// Before the switch-over: the new server must hold what the old one did
// (databases with encoding and locale, roles, per-table row counts, sequences,
// views, extensions), the md5 hashes of known passwords are set again as SCRAM,
// and every known login must work over TCP. Nothing here changes the old server.

export interface VerifyState {
	tempId: string;
	tempAddress: string;
	/** The old server's inventory as the move read it. */
	inventory?: ServerInventory;
	old: Conn;
	fresh: Conn;
	logins: KnownLogin[];
}

/** The temporary server against the old one, then the logins; a difference fails the step (and so rolls back). */
export async function verifyMoved(docker: Docker, unit: PostgresServerUnit, state: VerifyState, ctx: TransitionContext): Promise<string> {
	const { old, fresh, logins } = state;
	const before = state.inventory ?? (await serverInventory(docker, state.tempId, old));
	const after = await serverInventory(docker, state.tempId, fresh);
	const problems = serverDifferences(before, after);
	let tables = 0;
	let rows = 0;
	for (const db of before.databases) {
		const was = await databaseContents(docker, state.tempId, old, db.name);
		const now = await databaseContents(docker, state.tempId, fresh, db.name);
		problems.push(...contentDifferences(db.name, was, now));
		tables += was.tables.length;
		rows += totalRows(was);
	}
	if (problems.length > 0) throw new TransitionFailure('verify', `the new server does not hold what the old one did: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}`, problems);
	const { rehashed, left } = await rehashKnown(docker, state.tempId, fresh, logins);
	if (rehashed.length > 0) ctx.emit({ type: 'log', container: unit.name, source: 'one-off', line: `set the passwords of ${rehashed.join(', ')} again as SCRAM (they were md5 hashes, which scram-sha-256 logins cannot use)` });
	if (left.length > 0) {
		ctx.emit({ type: 'warning', container: unit.name, message: `role${left.length === 1 ? '' : 's'} ${left.join(', ')} still ha${left.length === 1 ? 's an' : 've'} md5 password hash${left.length === 1 ? '' : 'es'}: if the new server's pg_hba.conf asks for scram-sha-256, set ${left.length === 1 ? 'its password' : 'their passwords'} again (ALTER ROLE ... PASSWORD)` });
	}
	for (const login of logins) {
		const fails = await loginFails(docker, state.tempId, state.tempAddress, unit.port, login);
		if (fails) throw new TransitionFailure('verify', `${login.who} cannot log in to the new server: ${fails}`);
	}
	const encodings = [...new Set(before.databases.map((db) => `${db.encoding}/${db.collate}`))].join(', ');
	if (before.databases.some((db) => !/^(C|POSIX)(\..*)?$/i.test(db.collate))) {
		ctx.emit({ type: 'warning', container: unit.name, message: `the databases use the ${encodings} collation: if the new image's C library sorts text differently, indexes on text need REINDEX` });
	}
	return `${before.databases.length} databases, ${before.roles.length} roles, ${tables} tables (${rows} rows), sequences, views and extensions equal; ${encodings}; ${logins.length} login${logins.length === 1 ? '' : 's'} checked`;
}
