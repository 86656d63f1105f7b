import { describe, expect, it } from 'vitest';
import { excerpt, firstSentence, isHeldOut, makeSotu, questionsAbout, type Speech } from '../../../scripts/lib/datasets/sotu';

const speech = (year: number, president: string, text: string, party = 'Democratic'): Speech => ({ year, president, party, text });

describe('excerpt', () => {
  it('keeps a short text whole', () => {
    expect(excerpt('One. Two.', 100)).toBe('One. Two.');
  });

  it('cuts back to the last sentence end within the limit', () => {
    expect(excerpt('First one. Second one? Third one is long.', 25)).toBe('First one. Second one?');
  });

  it('cuts at a word when there is no sentence end', () => {
    expect(excerpt('no sentence end in this text at all', 12)).toBe('no sentence');
  });
});

describe('firstSentence', () => {
  it('does not stop at Mr. or an initial', () => {
    expect(firstSentence('Mr. Speaker, Mr. Vice President, Members of Congress: It is a pleasure. More.')).toBe(
      'Mr. Speaker, Mr. Vice President, Members of Congress: It is a pleasure.',
    );
    expect(firstSentence('I met John F. Kennedy today. Then more.')).toBe('I met John F. Kennedy today.');
  });

  it('gives up on an opening too long to quote', () => {
    expect(firstSentence(`${'word '.repeat(80)}end. Next.`)).toBeNull();
  });
});

describe('questionsAbout', () => {
  const all = [speech(1790, 'George Washington', 'Fellow-Citizens: I am glad. More.', 'none'), speech(1961, 'A', 'Hello there. Xs.'), speech(1961, 'B', 'Hello there. Ys.')];

  it('asks only what the record answers', () => {
    expect(questionsAbout(all[0], all)).toEqual([
      { prompt: 'Question: Who delivered the State of the Union address of 1790?\nAnswer:', completion: ' George Washington.' },
      { prompt: 'Question: Which party did George Washington belong to when delivering the State of the Union address of 1790?\nAnswer:', completion: ' No party.' },
      { prompt: 'Question: How did George Washington open the State of the Union address of 1790?\nAnswer:', completion: ' "Fellow-Citizens: I am glad."' },
      {
        prompt: 'Question: Which president opened a State of the Union address with: "Fellow-Citizens: I am glad."\nAnswer:',
        completion: ' George Washington, in 1790.',
      },
    ]);
  });

  it('leaves out questions with two answers: a year with two addresses, an opening two addresses share', () => {
    const prompts = questionsAbout(all[1], all).map((pair) => pair.prompt);
    expect(prompts.some((prompt) => prompt.includes('Who delivered'))).toBe(false);
    expect(prompts.some((prompt) => prompt.includes('Which president opened'))).toBe(false);
    expect(prompts).toHaveLength(2);
  });
});

describe('makeSotu', () => {
  const speeches = Array.from({ length: 14 }, (_, i) => speech(1946 + i, `P${i}`, `Address number ${i}. It goes on.`));

  it('holds out every sixth modern address, in chronological order', () => {
    expect([0, 1, 2, 3, 4, 5, 11].map(isHeldOut)).toEqual([false, false, false, false, false, true, true]);
    const { files, counts } = makeSotu([speech(1800, 'Old', 'Too early. Not modelled.'), ...speeches]);
    expect(counts).toMatchObject({ train: 12, validation: 2 });
    const text = (name: string) => new TextDecoder().decode(files.find((file) => file.path === name)?.bytes);
    expect(text('sotu.val.txt')).toBe('Address number 5. It goes on.\n\nAddress number 11. It goes on.\n');
    expect(text('sotu.jsonl').split('\n')[0]).toBe('{"text":"Address number 0. It goes on.","year":1946,"president":"P0","party":"Democratic"}');
  });

  it('gives the same bytes every time', () => {
    expect(makeSotu(speeches)).toEqual(makeSotu(speeches));
  });
});
