import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useInput, useStdin, useStdout, type Key } from 'ink';

// Terminal facts the views lay themselves out by, and key handling that only
// ever listens where there is a terminal to listen on.

/** 80x24 is the smallest terminal the wizard promises to be readable in. */
export const FALLBACK_COLUMNS = 80;
export const FALLBACK_ROWS = 24;

export interface TerminalSize {
	columns: number;
	rows: number;
}

function sizeOf(stdout: NodeJS.WriteStream): TerminalSize {
	return {
		columns: stdout.columns > 0 ? stdout.columns : FALLBACK_COLUMNS,
		rows: stdout.rows > 0 ? stdout.rows : FALLBACK_ROWS,
	};
}

/** Re-renders on resize: ink relays out on resize, but components reading the size must hear of it too. */
export function useTerminalSize(): TerminalSize {
	const { stdout } = useStdout();
	const [size, setSize] = useState(() => sizeOf(stdout));
	useEffect(() => {
		const onResize = () => setSize(sizeOf(stdout));
		stdout.on('resize', onResize);
		return () => {
			stdout.off('resize', onResize);
		};
	}, [stdout]);
	return size;
}

/**
 * The tallest live frame allowed: ink 6 clears the whole screen (flicker, lost
 * scrollback) when the live frame is as tall as the terminal.
 */
export function liveHeight(size: TerminalSize): number {
	return Math.max(6, size.rows - 1);
}

export function isCtrlC(input: string, key: Key): boolean {
	return input === '\u0003' || (key.ctrl && input === 'c');
}

/**
 * A key handler that always sees the latest render. ink re-subscribes a new
 * handler in a passive effect, so a key typed right after another (a fast
 * typist, key repeat) could reach the previous render's handler and act on
 * stale state: "y" then enter answering no. The ref is updated at commit,
 * which ink performs synchronously for each key.
 */
function useLatest<T>(value: T): { readonly current: T } {
	const ref = useRef(value);
	useLayoutEffect(() => {
		ref.current = value;
	});
	return ref;
}

/**
 * useInput, listening only where stdin can go raw (a TTY, never a pipe), and
 * never handed Ctrl-C: the app owns that key and decides what it means.
 * `active` is checked when a key arrives, so a screen behind a dialog or the
 * help stops taking keys at once.
 */
export function useKeys(handler: (input: string, key: Key) => void, active = true): void {
	const { isRawModeSupported } = useStdin();
	const latest = useLatest({ handler, active });
	const onInput = useCallback(
		(input: string, key: Key) => {
			if (isCtrlC(input, key)) return;
			for (const [one, oneKey] of keysOf(input, key)) {
				// A key may close the screen (answer a gate): the rest of the burst is not its.
				if (!latest.current.active) return;
				latest.current.handler(one, oneKey);
			}
		},
		[latest],
	);
	useInput(onInput, { isActive: isRawModeSupported && active });
}

/**
 * One chunk of input as the keys in it. Keys that arrive together (a fast
 * typist, a paste, mosh or a slow ssh link, `tmux send-keys y Enter`) come
 * as one chunk, "y\r"; each character is its own key, and a CR or LF is
 * Enter. Escape sequences (arrows) and modified keys stay whole.
 */
export function keysOf(input: string, key: Key): Array<[string, Key]> {
	if (input.length <= 1 || key.ctrl || key.meta || key.escape || input.startsWith('\u001b')) return [[input, key]];
	const plain = Object.fromEntries(Object.keys(key).map((name) => [name, false])) as unknown as Key;
	return [...input].map((char): [string, Key] => (char === '\r' || char === '\n' ? ['', { ...plain, return: true }] : [char, plain]));
}

/** Ctrl-C alone, for the one component that owns it. */
export function useCtrlC(handler: () => void): void {
	const { isRawModeSupported } = useStdin();
	const latest = useLatest(handler);
	const onInput = useCallback(
		(input: string, key: Key) => {
			if (isCtrlC(input, key)) latest.current();
		},
		[latest],
	);
	useInput(onInput, { isActive: isRawModeSupported });
}

export function isUp(input: string, key: Key): boolean {
	return key.upArrow || input === 'k';
}

export function isDown(input: string, key: Key): boolean {
	return key.downArrow || input === 'j';
}
