/*
 * The three analysis components Elasticsearch 8's security index asks for (its `email` analyzer:
 * tokenizer uax_url_email, filters pattern_capture, lowercase, unique). They live in the
 * analysis-common module, which the integ-test zip lacks and Maven Central does not publish for
 * 8.x; without them no native user, role or API key can be stored. Built by the Fetch Migration
 * test harness (tests/harness/secured.ts) from Lucene's own classes; for test nodes only.
 * `unique` drops duplicates at the same position only, which is all the security index needs.
 */
package org.fetchmigration.testanalysis;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.email.UAX29URLEmailTokenizer;
import org.apache.lucene.analysis.miscellaneous.RemoveDuplicatesTokenFilter;
import org.apache.lucene.analysis.pattern.PatternCaptureGroupTokenFilter;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

public class SecurityAnalysisPlugin extends Plugin implements AnalysisPlugin {
    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        return Map.of(
            "pattern_capture",
            (indexSettings, environment, name, settings) -> {
                List<String> patterns = settings.getAsList("patterns");
                boolean preserveOriginal = settings.getAsBoolean("preserve_original", true);
                Pattern[] compiled = patterns.stream().map(Pattern::compile).toArray(Pattern[]::new);
                return filter(name, in -> new PatternCaptureGroupTokenFilter(in, preserveOriginal, compiled));
            },
            "unique",
            (indexSettings, environment, name, settings) -> filter(name, RemoveDuplicatesTokenFilter::new)
        );
    }

    @Override
    public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
        return Map.of(
            "uax_url_email",
            (indexSettings, environment, name, settings) -> new TokenizerFactory() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public Tokenizer create() {
                    return new UAX29URLEmailTokenizer();
                }
            }
        );
    }

    private static TokenFilterFactory filter(String name, java.util.function.Function<TokenStream, TokenStream> make) {
        return new TokenFilterFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public TokenStream create(TokenStream in) {
                return make.apply(in);
            }
        };
    }
}
