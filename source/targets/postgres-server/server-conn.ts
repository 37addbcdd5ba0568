import { envValue } from '../../profiles/database-location.js';
import type { KnownLogin } from './scram.js';
import { LOCAL_SOCKET, type Conn } from './server-sql.js';
import type { PostgresServerUnit } from './unit.js';

// Connection settings of a run, from the unit kept in memory: the passwords
// are read from the containers' env now, never from the journal.

export function superuserPassword(unit: PostgresServerUnit): string | undefined {
	if (unit.passwordFile) return unit.passwordFile.password;
	return unit.passwordKey ? envValue(unit.inspect.Config.Env, unit.passwordKey) : undefined;
}

/** The old server, over its address on the network (the tools run in the temporary server). */
export function oldConn(unit: PostgresServerUnit): Conn {
	return { host: unit.oldAddress, port: unit.port, user: unit.superuser, password: superuserPassword(unit), database: 'postgres' };
}

/** The temporary server, over its own local socket. */
export function freshConn(unit: PostgresServerUnit): Conn {
	return { host: LOCAL_SOCKET, port: unit.port, user: unit.superuser, password: superuserPassword(unit), database: 'postgres' };
}

/** Every login the wizard can prove afterwards: the superuser's and each dependent's whose password its env holds. */
export function knownLogins(unit: PostgresServerUnit): KnownLogin[] {
	const logins: KnownLogin[] = [];
	const password = superuserPassword(unit);
	if (password) logins.push({ user: unit.superuser, password, database: 'postgres', who: `the superuser ${unit.superuser} (${unit.passwordKey})` });
	for (const dependent of unit.dependents) {
		const login = dependent.login;
		if (login?.password === undefined) continue;
		if (logins.some((known) => known.user === login.user && known.password === login.password)) continue;
		logins.push({ user: login.user, password: login.password, database: login.database, who: `${dependent.name}'s role ${login.user} (${login.from})` });
	}
	return logins;
}
