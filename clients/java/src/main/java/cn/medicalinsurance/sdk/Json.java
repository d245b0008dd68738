package cn.medicalinsurance.sdk;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.ToNumberPolicy;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.math.BigDecimal;

/**
 * JSON without binary floating point: every number read is a {@link BigDecimal} with the digits as sent
 * ({@code 1500.00} stays 1500.00), and a BigDecimal is written in plain notation, never {@code 1E+3}.
 * Objects come back as {@code Map<String, Object>}, arrays as {@code List<Object>}.
 */
public final class Json {
    private Json() {}

    private static final TypeAdapter<BigDecimal> PLAIN = new TypeAdapter<BigDecimal>() {
        @Override
        public void write(JsonWriter out, BigDecimal value) throws IOException {
            if (value == null) {
                out.nullValue();
            } else {
                out.jsonValue(value.toPlainString());
            }
        }

        @Override
        public BigDecimal read(JsonReader in) throws IOException {
            return new BigDecimal(in.nextString());
        }
    };

    public static final Gson GSON = new GsonBuilder()
            .setObjectToNumberStrategy(ToNumberPolicy.BIG_DECIMAL)
            .setNumberToNumberStrategy(ToNumberPolicy.BIG_DECIMAL)
            .registerTypeAdapter(BigDecimal.class, PLAIN)
            .disableHtmlEscaping()
            .serializeNulls()
            .create();

    /** The value of a JSON text (Map, List, String, BigDecimal, Boolean or null). */
    public static Object parse(String text) {
        return GSON.fromJson(text, Object.class);
    }

    /** The value, or null when the text is not JSON. */
    static Object tryParse(String text) {
        try {
            return parse(text);
        } catch (JsonParseException | IllegalStateException e) {
            return null;
        }
    }

    public static String write(Object value) {
        return GSON.toJson(value);
    }
}
