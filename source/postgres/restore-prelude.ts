// The one-transaction restore starts by dropping every user relation (and the
// schemas the dump does not create), so tables a half-applied migration made
// are gone too: pg_restore --clean alone only drops what the dump knows.

function sqlLiteral(value: string): string {
	return `'${value.replace(/'/g, "''")}'`;
}

/** Drops every user relation, and the schemas the dump does not create, inside the restore's transaction. */
export function restorePrelude(dumpSchemas: string[], lockTimeoutMs: number): string {
	const keep = ['public', ...dumpSchemas].map(sqlLiteral).join(', ');
	return `SET client_min_messages = warning;
BEGIN;
SET LOCAL lock_timeout = '${Math.max(1, Math.round(lockTimeoutMs))}ms';
DO $uw_restore$
DECLARE r record;
BEGIN
	FOR r IN
		SELECT n.nspname, c.relname, c.relkind
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S')
			AND n.nspname NOT IN ('pg_catalog', 'information_schema')
			AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
			AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
		-- tables first: their serial and identity sequences go with them
		ORDER BY CASE WHEN c.relkind IN ('r', 'p', 'f') THEN 0 WHEN c.relkind IN ('v', 'm') THEN 1 ELSE 2 END
	LOOP
		EXECUTE format('DROP %s IF EXISTS %I.%I CASCADE',
			CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
			r.nspname, r.relname);
	END LOOP;
	FOR r IN
		SELECT n.nspname FROM pg_namespace n
		WHERE n.nspname <> ALL (ARRAY[${keep}]::text[])
			AND n.nspname NOT IN ('pg_catalog', 'information_schema')
			AND n.nspname !~ '^pg_'
			AND pg_has_role(n.nspowner, 'MEMBER')
			AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
	LOOP
		EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', r.nspname);
	END LOOP;
END
$uw_restore$;
`;
}
