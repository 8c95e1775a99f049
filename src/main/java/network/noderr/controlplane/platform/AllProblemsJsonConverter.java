package network.noderr.controlplane.platform;

import java.io.IOException;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.core.ResolvableType;
import org.springframework.http.HttpInputMessage;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.http.converter.json.JacksonJsonHttpMessageConverter;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.deser.CollectingProblemHandler;
import tools.jackson.databind.json.JsonMapper;

/**
 * The API's JSON converter, reading request bodies with Jackson's problem collection: a body with several fields of
 * the wrong type (a word for a number, an unknown tier) is refused once with all of them ({@link ApiExceptionHandler}
 * lists each in {@code errors}), instead of one per attempt. Writing is Spring's, unchanged.
 */
final class AllProblemsJsonConverter extends JacksonJsonHttpMessageConverter {

    /** More problems than this in one body are not listed (the rest are counted as cut off). */
    static final int MAX_PROBLEMS = 50;

    AllProblemsJsonConverter(JsonMapper mapper) {
        super(mapper);
    }

    @Override
    public Object read(ResolvableType type, HttpInputMessage input, @Nullable Map<String, Object> hints)
            throws IOException {
        byte[] body;
        try {
            body = input.getBody().readAllBytes();
        } catch (IOException e) {
            // Over the size limit, or the client went away: the handler turns the first into 413.
            throw new HttpMessageNotReadableException("I/O error while reading input message", e, input);
        }
        var javaType = getMapper().getTypeFactory().constructType(type.getType());
        try {
            return getMapper().readerFor(javaType).problemCollectingReader(new Collecting())
                    .readValueCollectingProblems(body);
        } catch (JacksonException e) {
            throw new HttpMessageNotReadableException("JSON parse error: " + e.getOriginalMessage(), e, input);
        }
    }

    /**
     * Jackson's collecting handler, but an unknown property is a problem only where the mapper says so: Jackson's
     * (3.1) records every unknown property, though this mapper ignores them (Alertmanager's webhook body, for one,
     * has fields the control plane does not read).
     */
    private static final class Collecting extends CollectingProblemHandler {
        Collecting() {
            super(MAX_PROBLEMS);
        }

        @Override
        public boolean handleUnknownProperty(DeserializationContext context, JsonParser parser,
                ValueDeserializer<?> deserializer, Object bean, String name) {
            if (context.isEnabled(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)) {
                return super.handleUnknownProperty(context, parser, deserializer, bean, name);
            }
            parser.skipChildren();
            return true;
        }
    }
}
