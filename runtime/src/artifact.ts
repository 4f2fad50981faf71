import {
  type AppAssets,
  type AppModule,
  type ArtifactContent,
  decodeAssets,
  decodeModules,
  openArtifact,
} from '@gov/contract';

/** Where a version's code is, and the capability that lets this runtime read exactly it. */
export interface ArtifactRef {
  sha256: string;
  /** The control plane's read-only artifact route for this digest. */
  url: string;
  /** A bearer capability for this one digest (never a staff token). */
  token: string;
}

/** Code ready for workerd: verified against its digest, decoded. */
export interface VerifiedArtifact {
  sha256: string;
  mainModule: string;
  modules: AppModule[];
  assets?: AppAssets;
}

export function verifiedArtifact(bytes: Uint8Array, sha256: string): VerifiedArtifact {
  const content: ArtifactContent = openArtifact(bytes, sha256);
  return {
    sha256,
    mainModule: content.mainModule,
    modules: decodeModules(content),
    ...(content.assets ? { assets: decodeAssets(content.assets) } : {}),
  };
}

/**
 * Fetches an artifact from the control plane by digest and verifies it before
 * anything runs: the bytes must hash to the digest the spec names, so a
 * tampered store or a man in the middle cannot get code executed. Used by
 * the local driver and by the container entrypoint alike.
 */
export async function fetchArtifact(
  ref: ArtifactRef,
  options: { timeoutMs?: number; maxBytes?: number } = {},
): Promise<{ bytes: Uint8Array; artifact: VerifiedArtifact }> {
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  let res: Response;
  try {
    res = await fetch(ref.url, {
      headers: { authorization: `Bearer ${ref.token}`, accept: 'application/octet-stream' },
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
  } catch (error) {
    // fetch says only "fetch failed": the cause says what (refused, unknown host, timeout).
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    throw Object.assign(new Error(`the artifact ${ref.sha256} could not be fetched: ${why}`), {
      code: 'artifact_unavailable' as const,
    });
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw Object.assign(
      new Error(`the artifact ${ref.sha256} could not be fetched: HTTP ${res.status}`),
      {
        code:
          res.status === 404 ? ('artifact_invalid' as const) : ('artifact_unavailable' as const),
      },
    );
  }
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw Object.assign(new Error(`the artifact ${ref.sha256} is larger than ${maxBytes} bytes`), {
      code: 'artifact_invalid' as const,
    });
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.byteLength > maxBytes) {
    throw Object.assign(new Error(`the artifact ${ref.sha256} is larger than ${maxBytes} bytes`), {
      code: 'artifact_invalid' as const,
    });
  }
  return { bytes, artifact: verifiedArtifact(bytes, ref.sha256) };
}
