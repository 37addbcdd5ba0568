import type { Gate } from '../../core/events.js';
import type { Plan } from '../../core/plan/plan.js';
import { describeHealth } from '../../core/plan/health.js';
import type { PostgresServerUnit } from './unit.js';

/** The plan of a PostgreSQL major upgrade, as --dry-run prints it. */
export function describeServer(unit: PostgresServerUnit, _plan: Plan<PostgresServerUnit>): string[] {
	const lines = [
		`   PostgreSQL ${unit.fromMajor} -> ${unit.toMajor}: dump and restore onto a new volume; the old volume ${unit.data.oldVolume} is never written`,
		`   back up first (everything still running): roles (pg_dumpall --globals-only) and every database (pg_dump -Fc, verified) to ${unit.backupDir}`,
	];
	if (unit.dependents.length === 0) lines.push('   no container uses this server (give --app NAME for one the wizard did not find)');
	for (const dependent of unit.dependents) {
		lines.push(`   dependent ${dependent.name} (${dependent.why}${dependent.login ? `, role ${dependent.login.user}` : ''}): stopped before the move (timeout ${dependent.stopTimeoutS} s), started after, health-gated`);
	}
	lines.push(
		`   create the volume ${unit.data.newVolume}; start a temporary ${unit.toMajor} server ${unit.tempName} on it (network ${unit.network}, no ports, no aliases)`,
		`   move roles, then each database (pg_dump -Fd -j | pg_restore -j with the ${unit.toMajor} tools), ANALYZE; compare databases, roles, row counts, sequences, views, extensions`,
		`   md5 password hashes of roles whose password is known (${unit.passwordKey ?? 'no superuser password'}${unit.dependents.some((d) => d.login?.password) ? ', the dependents\' connection settings' : ''}) are set again as SCRAM; every known login is checked`,
		`   stop ${unit.name} (timeout ${unit.stopTimeoutS} s), rename it ${unit.parkedName}; create and start the new ${unit.name} with its configuration, data on ${unit.data.newVolume}`,
		`   ${describeHealth(unit.health)}, then the logins again`,
		`   then keep ${unit.parkedName} (stopped) and the volume ${unit.data.oldVolume}: remove them yourself once you are sure`,
		`   on failure: remove the new container and the temporary server, rename ${unit.parkedName} back, start it on the untouched old volume, start the dependents; the new volume is kept for inspection once the data had moved into it`,
	);
	for (const diff of unit.specDiff) lines.push(`   ~ ${diff}`);
	lines.push(`   ~ data: volume ${unit.data.oldVolume} -> ${unit.data.newVolume} at ${unit.data.destination}`);
	return lines;
}

/** The same steps in words, for the wizard's plan screen. */
export function serverStepWords(unit: PostgresServerUnit): string[] {
	const apps = unit.dependents.map((dependent) => dependent.name);
	return [
		'pull the new image',
		`back up roles and every database of ${unit.name} (verified) to ${unit.backupDir}`,
		...(apps.length > 0 ? [`stop ${apps.join(', ')}`] : []),
		`create the volume ${unit.data.newVolume} and a temporary ${unit.toMajor} server on it`,
		`move roles and databases with the ${unit.toMajor} tools (${unit.jobs} jobs), ANALYZE`,
		'compare databases, roles, row counts, sequences, views, extensions; set md5 passwords again as SCRAM; check the logins',
		`stop ${unit.name}, rename it ${unit.parkedName}`,
		`create and start the new ${unit.name} on ${unit.data.newVolume}`,
		'wait until it is healthy, check the logins again',
		...(apps.length > 0 ? [`start ${apps.join(', ')}, each health-gated`] : []),
		`keep ${unit.parkedName} and the volume ${unit.data.oldVolume}`,
	];
}

/** The backup gate of a major upgrade: the server backs itself up, everything still running. */
export function serverBackupGate(unit: PostgresServerUnit): Gate {
	return {
		kind: 'backup',
		title: 'Back up the PostgreSQL server',
		message: `The roles and every database of ${unit.name} are dumped and verified before anything stops`,
		container: unit.name,
		details: [
			`server: ${unit.name}, PostgreSQL ${unit.fromMajor} (data on volume ${unit.data.oldVolume})`,
			`roles: pg_dumpall --globals-only; each database: pg_dump -Fc, verified with pg_restore --list and a sha256`,
			`dumped by: the PostgreSQL ${unit.toMajor} tools of ${unit.targetRef}, in a one-off container on network ${unit.network}`,
			`destination: ${unit.backupDir}`,
			`beside it, the old volume ${unit.data.oldVolume} is never written and kept after the upgrade: the second way back`,
		],
	};
}
