// What each key does, per screen: `?` shows the list for the screen you are on.

export type HelpTopic = 'engine' | 'recovery' | 'containers' | 'target' | 'plan' | 'gate' | 'backup' | 'database' | 'run' | 'recovering' | 'summary' | 'recovered';

export const HELP: Record<HelpTopic, Array<[keys: string, what: string]>> = {
	engine: [
		['r', 'try to connect again'],
		['q, ctrl-c', 'quit; nothing has been touched'],
		['?', 'this help'],
	],
	recovery: [
		['up/down, j/k', 'choose an interrupted run (scroll, in the details)'],
		['r, enter', 'recover the chosen run: asks once, y then enter'],
		['d', 'all the details of the run, or back to the list'],
		['s', 'skip to the containers; the run\'s containers stay held'],
		['', '(s is not offered by `upgrade-wizard recover`)'],
		['q, ctrl-c', 'quit; nothing has been touched'],
	],
	containers: [
		['up/down, j/k', 'move'],
		['pgup/pgdn, home/end', 'a page up or down, the first or the last row'],
		['space', 'tick or untick the container'],
		['a', 'tick all shown (or untick them all)'],
		['/', 'filter by typing; enter keeps it, esc clears it'],
		['enter', 'choose the target version for the ticked containers'],
		['r', 'list the containers again'],
		['q, ctrl-c', 'quit; nothing has been touched'],
	],
	target: [
		['up/down, j/k', 'move'],
		['p', 'show or hide pre-releases'],
		['enter', 'review the plan for this version'],
		['esc', 'back to the containers'],
		['q, ctrl-c', 'quit; nothing has been touched'],
	],
	plan: [
		['up/down, j/k', 'scroll'],
		['pgup/pgdn, home/end', 'a page up or down, the top or the end'],
		['enter', 'start the upgrade as planned'],
		['esc', 'back to the version'],
		['q, ctrl-c', 'quit; nothing has been touched'],
	],
	gate: [
		['y then enter', 'yes, continue'],
		['enter, n, esc', 'no (the default): stop here'],
		['q, ctrl-c', 'abort and roll back, or keep going'],
	],
	backup: [
		['y then enter', 'back up to the directory shown'],
		['d', 'type another directory: enter checks it, esc goes back'],
		['s', 'upgrade without a backup (asked again; default no)'],
		['enter, n, esc', 'no (the default): stop here, nothing touched'],
		['q, ctrl-c', 'abort, or keep going'],
	],
	database: [
		['u', 'type the database URL (postgres://user:password@host/db)'],
		['enter', 'plan again with the URL typed'],
		['s', 'upgrade without a backup (asked again; default no)'],
		['esc', 'back (out of the URL input, else to the version)'],
		['q, ctrl-c', 'quit; nothing has been touched'],
	],
	run: [
		['l', 'show or hide the pull per layer'],
		['q, ctrl-c', 'abort and roll back, or keep going'],
		['', 'a rollback, once started, runs to its end'],
	],
	recovering: [
		['q, ctrl-c', 'do not stop a recovery: it runs to its end'],
		['', 'stopped half-way, containers would be in neither state'],
	],
	summary: [
		['up/down, j/k', 'scroll'],
		['enter, q', 'exit with the run\'s exit code'],
	],
	recovered: [
		['up/down, j/k', 'scroll'],
		['enter', 'go on: the interrupted runs left, or the containers'],
		['q', 'quit with the exit code shown'],
	],
};
