"""The messages the gateway writes (JW301/JW319, retours, JW325), rendered as trees from the
domain's values; `gateway.xml` holds the parsing, building and schema machinery they use."""
