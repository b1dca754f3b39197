package dualstream.web.internal;

/** Just enough JSON writing for our documents; every string escaped. */
final class Json {

    private final StringBuilder out = new StringBuilder(1024);
    private boolean first = true;

    Json open(char bracket) {
        comma();
        out.append(bracket);
        first = true;
        return this;
    }

    Json close(char bracket) {
        out.append(bracket);
        first = false;
        return this;
    }

    Json key(String name) {
        comma();
        string(name);
        out.append(':');
        first = true;
        return this;
    }

    Json value(String value) {
        comma();
        if (value == null) {
            out.append("null");
        } else {
            string(value);
        }
        first = false;
        return this;
    }

    Json value(Number value) {
        comma();
        out.append(value);
        first = false;
        return this;
    }

    Json value(boolean value) {
        comma();
        out.append(value);
        first = false;
        return this;
    }

    Json field(String name, String value) {
        return key(name).value(value);
    }

    Json field(String name, Number value) {
        return key(name).value(value);
    }

    Json field(String name, boolean value) {
        return key(name).value(value);
    }

    /** Line breaks between members, as mjpg-streamer writes its documents. */
    Json newline() {
        out.append('\n');
        return this;
    }

    private void comma() {
        if (!first) {
            out.append(',');
        }
        first = false;
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
