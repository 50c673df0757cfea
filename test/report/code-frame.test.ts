import { describe, expect, it } from 'vitest';
import { codeFrame, createStyles, lineStarts } from '../../shared/core/report/code-frame.ts';

const text = ['a: 1', 'b: 2', 'c: 3', 'd: 4', 'e: 5', 'f: 6'].join('\n') + '\n';

describe('codeFrame', () => {
  it('shows two lines before and one after, with a marker and carets under the range', () => {
    expect(codeFrame(text, 4, 4, 4, 5)).toBe(
      ['  2 | b: 2', '  3 | c: 3', '> 4 | d: 4', '    |    ^', '  5 | e: 5'].join('\n'),
    );
  });

  it('right-aligns line numbers when their widths differ', () => {
    const long = Array.from({ length: 12 }, (_, i) => `k${i + 1}: v`).join('\n');
    expect(codeFrame(long, 10, 1, 10, 4)).toBe(
      ['   8 | k8: v', '   9 | k9: v', '> 10 | k10: v', '     | ^^^', '  11 | k11: v'].join('\n'),
    );
  });

  it('clips the context at the start and end of the file, dropping a final empty line', () => {
    expect(codeFrame(text, 1, 1)).toBe(['> 1 | a: 1', '    | ^', '  2 | b: 2'].join('\n'));
    expect(codeFrame(text, 6, 1)).toBe(
      ['  4 | d: 4', '  5 | e: 5', '> 6 | f: 6', '    | ^'].join('\n'),
    );
  });

  it('frames an issue on the empty line after the last newline', () => {
    expect(codeFrame('a: 1\n', 2, 1)).toBe(['  1 | a: 1', '> 2 |', '    | ^'].join('\n'));
  });

  it('underlines to the end of the line when the range spans lines', () => {
    expect(codeFrame('key:\n  value: long\nnext: 1', 2, 3, 3, 2, { linesAround: 0 })).toBe(
      ['> 2 |   value: long', '    |   ^^^^^^^^^^^'].join('\n'),
    );
  });

  it('draws at least one caret for an empty or inverted range and past the end of a line', () => {
    expect(codeFrame('abc', 1, 2, 1, 2)).toBe(['> 1 | abc', '    |  ^'].join('\n'));
    expect(codeFrame('abc', 1, 3, 1, 1)).toBe(['> 1 | abc', '    |   ^'].join('\n'));
    expect(codeFrame('abc', 1, 9)).toBe(['> 1 | abc', '    |    ^'].join('\n'));
  });

  it('repeats tabs before the column so the carets line up under any tab width', () => {
    const frame = codeFrame('spec:\n\tname:\tweb\n', 2, 8, 2, 11, { linesAround: 0 });
    expect(frame).toBe(['> 2 | \tname:\tweb', '    | \t     \t^^^'].join('\n'));
  });

  it('accepts CRLF line endings', () => {
    expect(codeFrame('a: 1\r\nb: 2\r\n', 2, 4, 2, 5)).toBe(
      ['  1 | a: 1', '> 2 | b: 2', '    |    ^'].join('\n'),
    );
  });

  it('cuts long lines around the column, keeping the carets under the range', () => {
    const line = `${'x'.repeat(300)}TARGET${'y'.repeat(300)}`;
    const frame = codeFrame(`${'z'.repeat(500)}\n${line}`, 2, 301, 2, 307, { linesAround: 0 });
    const [shown = '', under = ''] = frame.split('\n');
    expect(shown.startsWith('> 2 | …')).toBe(true);
    expect(shown.endsWith('…')).toBe(true);
    expect(shown.length).toBe('> 2 | '.length + 120 + 2);
    expect(under.indexOf('^')).toBe(shown.indexOf('TARGET'));
    expect(under.trimStart()).toBe('| ' + ' '.repeat(under.indexOf('^') - 6) + '^^^^^^');
  });

  it('cuts the context lines at the same offsets as the issue line', () => {
    const frame = codeFrame(`${'a'.repeat(200)}\n${'b'.repeat(200)}`, 2, 190, 2, 191);
    const [context = '', shown = ''] = frame.split('\n');
    expect(context).toBe(`  1 | …${'a'.repeat(120)}`);
    expect(shown).toBe(`> 2 | …${'b'.repeat(120)}`);
  });

  it('replaces control characters so a file cannot drive the terminal', () => {
    expect(codeFrame('a: "\u001b[31mred"', 1, 1, 1, 2)).toBe(
      ['> 1 | a: "\uFFFD[31mred"', '    | ^'].join('\n'),
    );
  });

  it('returns nothing for a line the text does not have', () => {
    expect(codeFrame('a: 1', 3, 1)).toBe('');
    expect(codeFrame('a: 1', 0, 1)).toBe('');
  });

  it('frames the same with the line starts known in advance, up to past the last line', () => {
    for (const source of [text, text.trimEnd(), '', '\n', 'x\r\ny\r\n']) {
      const starts = lineStarts(source);
      for (let line = 0; line <= starts.length + 1; line++) {
        const context = `${JSON.stringify(source)} line ${line}`;
        expect(codeFrame(source, line, 1, line, 2, { lineStarts: starts }), context).toBe(
          codeFrame(source, line, 1, line, 2),
        );
      }
    }
  });

  it('colours the marker, gutter and carets only when asked', () => {
    expect(codeFrame(text, 2, 1)).not.toContain('\u001b[');
    const coloured = codeFrame(text, 2, 1, 2, 2, { color: true });
    expect(coloured).toContain('\u001b[1m\u001b[31m>\u001b[39m\u001b[22m');
    expect(coloured).toContain('\u001b[1m\u001b[31m^\u001b[39m\u001b[22m');
    expect(coloured).toContain('\u001b[2m2 |\u001b[22m');
  });
});

describe('createStyles', () => {
  it('wraps text in escapes that close only their own attribute', () => {
    const on = createStyles(true);
    expect(on.bold('b')).toBe('\u001b[1mb\u001b[22m');
    expect(on.yellow('y')).toBe('\u001b[33my\u001b[39m');
    expect(createStyles(false).cyan('c')).toBe('c');
  });
});
