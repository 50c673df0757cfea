import type * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import type { PushFields, PushPayload } from '../../functions/push-payload.ts';
import type { pushEventSchema } from '../../shared/core/pipeline/classify-push.ts';

type Owner = NonNullable<PushPayload['repository']['owner']>;
/** A push whose repository has an owner: GitHub's schema allows none, which ingest refuses. */
type OwnedPush = PushPayload & { repository: { owner: Owner } };

describe('the push payload ingest reads, against GitHub’s webhook types', () => {
  it('lets through every push GitHub documents: it requires no other field GitHub may leave out', () => {
    type Accepted = OwnedPush extends v.InferInput<typeof pushEventSchema> ? true : false;
    expectTypeOf<Accepted>().toEqualTypeOf<true>();
    // And the owner is the one field it refuses that GitHub may send otherwise.
    type Unowned = PushPayload extends v.InferInput<typeof pushEventSchema> ? true : false;
    expectTypeOf<Unowned>().toEqualTypeOf<false>();
  });

  it('types the fields it reads as GitHub does', () => {
    expectTypeOf<PushFields['repository']['id']>().toEqualTypeOf<number>();
    expectTypeOf<PushFields['repository']['owner']['login']>().toEqualTypeOf<string>();
    expectTypeOf<PushFields['after']>().toEqualTypeOf<string>();
    expectTypeOf<PushFields['forced']>().toEqualTypeOf<boolean>();
  });
});
