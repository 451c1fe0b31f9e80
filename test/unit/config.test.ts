import { loadConfig } from '../../src/config';

describe('configuration from the environment', () => {
  test('embedded defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 8080,
      host: '0.0.0.0',
      dataDir: './data',
      baseUrl: 'http://localhost:8080',
      logLevel: 'info',
      maxBodyBytes: 10 * 1024 * 1024,
      defaultCount: 20,
      maxCount: 1000,
      shutdownGraceMs: 10000,
      demoData: true,
      corsOrigins: [],
      rateLimitPerMinute: 600,
      authRateLimitPerMinute: 30,
      maxUrlLength: 8192,
      search: { maxParams: 100, maxOrValues: 500, maxTotalOrValues: 1000, maxIncludes: 10, maxIncludeDepth: 4, maxChainDepth: 6 },
      offerSearchThreads: 0,
    });
  });

  test('values from the environment', () => {
    const c = loadConfig({ PORT: '9000', ROR_DATA_DIR: '/data', ROR_BASE_URL: 'https://ror.example.fr/fhir/', LOG_LEVEL: 'WARN', ROR_MAX_BODY: '512kb', ROR_MAX_COUNT: '200', ROR_DEFAULT_COUNT: '50' });
    expect(c).toMatchObject({ port: 9000, dataDir: '/data', baseUrl: 'https://ror.example.fr/fhir', logLevel: 'warn', maxBodyBytes: 512 * 1024, maxCount: 200, defaultCount: 50 });
    expect(loadConfig({ PORT: '9000' }).baseUrl).toBe('http://localhost:9000');
    expect(loadConfig({ ROR_DEFAULT_COUNT: '500', ROR_MAX_COUNT: '100' }).defaultCount).toBe(100);
    expect(loadConfig({ ROR_OFFER_SEARCH_THREADS: '2' }).offerSearchThreads).toBe(2);
    expect(() => loadConfig({ ROR_OFFER_SEARCH_THREADS: 'many' })).toThrow(/ROR_OFFER_SEARCH_THREADS/);
  });

  test('ROR_DEMO_DATA turns the demo region on or off', () => {
    expect(loadConfig({ ROR_DEMO_DATA: 'false' }).demoData).toBe(false);
    expect(loadConfig({ ROR_DEMO_DATA: 'true' }).demoData).toBe(true);
    expect(loadConfig({ ROR_DEMO_DATA: '' }).demoData).toBe(true);
  });

  test.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ ROR_BASE_URL: 'ror.example.fr' }, /ROR_BASE_URL/],
    [{ ROR_MAX_BODY: 'big' }, /ROR_MAX_BODY/],
    [{ ROR_MAX_COUNT: '0' }, /ROR_MAX_COUNT/],
    [{ ROR_DEMO_DATA: 'no' }, /ROR_DEMO_DATA must be 'true' or 'false', got 'no'/],
    [{ ROR_DEMO_DATA: '0' }, /ROR_DEMO_DATA/],
    [{ ROR_DEMO_DATA: 'FALSE' }, /ROR_DEMO_DATA/],
  ])('invalid %p is refused', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
