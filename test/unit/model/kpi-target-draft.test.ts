import { describe, expect, it } from 'vitest';
import { buildTarget, targetDraft, type TargetDraft } from '../../../src/model/kpi-target-draft';
import type { KpiTarget } from '../../../src/model/schemas';

const draft = (fields: Partial<TargetDraft>): TargetDraft => ({ kind: 'value', number: '', direction: '以上', text: '', yearEnd: false, ...fields });

describe('targetDraft', () => {
  it.each<[string, KpiTarget | undefined, TargetDraft]>([
    ['a new KPI: a value, 以上', undefined, draft({})],
    ['a value', { kind: 'value', value: 68.5, direction: '以下' }, draft({ number: '68.5', direction: '以下' })],
    ['対前年度 with last year’s value', { kind: 'previousYear', previousValue: 98.4, direction: '以上' }, draft({ kind: 'previousYear', number: '98.4' })],
    ['対前年度 without it', { kind: 'previousYear', previousValue: null, direction: '以下' }, draft({ kind: 'previousYear', direction: '以下' })],
    ['a qualitative target', { kind: 'qualitative', text: '毎月情報発信を行う' }, draft({ kind: 'qualitative', text: '毎月情報発信を行う' })],
  ])('%s', (_, target, expected) => {
    expect(targetDraft(target)).toEqual(expected);
  });
});

describe('buildTarget', () => {
  it.each<[string, TargetDraft, KpiTarget | string]>([
    ['a value, full-width and with a comma', draft({ number: '１，２００．５', direction: '以下' }), { kind: 'value', value: 1200.5, direction: '以下' }],
    ['a value that is not a number', draft({ number: '九十五' }), '目標値を数値で入力してください（例: 68.0）。'],
    ['no value', draft({ number: ' ' }), '目標値を数値で入力してください（例: 68.0）。'],
    ['対前年度 with last year’s value', draft({ kind: 'previousYear', number: '98.4' }), { kind: 'previousYear', previousValue: 98.4, direction: '以上' }],
    ['対前年度 left empty', draft({ kind: 'previousYear', number: '  ' }), { kind: 'previousYear', previousValue: null, direction: '以上' }],
    ['対前年度 with a typo', draft({ kind: 'previousYear', number: '98.4%x' }), '前年度の値は数値で入力してください（わからなければ空欄）。'],
    ['words, trimmed', draft({ kind: 'qualitative', text: ' 毎月情報発信を行う ', number: '12' }), { kind: 'qualitative', text: '毎月情報発信を行う' }],
    ['no words', draft({ kind: 'qualitative', text: '　' }), '目標の文言を入力してください。'],
  ])('%s', (_, input, expected) => {
    expect(buildTarget(input)).toEqual(expected);
  });

  it('gives back what targetDraft took apart', () => {
    const targets: KpiTarget[] = [
      { kind: 'value', value: 0.25, direction: '以下' },
      { kind: 'previousYear', previousValue: null, direction: '以上' },
      { kind: 'qualitative', text: '全支部で実施する' },
    ];
    for (const t of targets) expect(buildTarget(targetDraft(t))).toEqual(t);
  });
});
