// Exit codes are part of the command-line contract (README, issue #3):
// 0 upgraded, 1 failed and rolled back, 2 bad usage/input with nothing touched,
// 3 failed and rollback incomplete.
export const ExitCode = {
	ok: 0,
	rolledBack: 1,
	usage: 2,
	rollbackIncomplete: 3,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Bad usage or input, detected before anything was touched: exit 2. */
export class UsageError extends Error {
	readonly exitCode = ExitCode.usage;
	constructor(message: string) {
		super(message);
		this.name = 'UsageError';
	}
}

export function messageOf(error: unknown): string {
	if (error instanceof Error) return error.message;
	return String(error);
}

/** One line, whatever the cause looked like: errors are shown to operators as one line. */
export function oneLine(text: string): string {
	return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** The selection already runs the target: not an error, nothing to do (exit 0). */
export class NothingToDo extends Error {
	readonly exitCode = ExitCode.ok;
	constructor(message: string) {
		super(message);
		this.name = 'NothingToDo';
	}
}

/** A preflight rule: refuse (exit 2, the one line given) when the condition holds. */
export function refuseIf(condition: unknown, message: string): asserts condition is false {
	if (condition) throw new UsageError(message);
}

/**
 * An engine that did not answer in preflight (exit 2, nothing touched). `kind`
 * and `engine` are plain fields so the wizard's Engine screen can say which
 * engine it was without knowing this class.
 */
export class EngineUnreachable extends UsageError {
	readonly kind = 'engine-unreachable';
	constructor(
		readonly engine: string,
		message: string,
	) {
		super(message);
		this.name = 'EngineUnreachable';
	}
}
