package cn.medicalinsurance.sdk;

import java.util.List;

/** One transaction as the registry describes it (filled by the generated {@code Operations} table). */
public final class OperationInfo {
    /** One input node: its name ("" for fields directly under input), list or not, whether it has a table. */
    public static final class Node {
        public final String name;
        public final boolean many;
        public final boolean required;
        public final boolean hasFields;

        public Node(String name, boolean many, boolean required, boolean hasFields) {
            this.name = name;
            this.many = many;
            this.required = required;
            this.hasFields = hasFields;
        }
    }

    public final String infno;
    public final String title;
    public final String interfaceType;
    public final String method;
    public final String camel;
    public final String httpMethod;
    public final String path;
    public final Safety safety;
    public final String resultType;
    public final List<Node> nodes;

    public OperationInfo(String infno, String title, String interfaceType, String method, String camel,
            String httpMethod, String path, Safety safety, String resultType, List<Node> nodes) {
        this.infno = infno;
        this.title = title;
        this.interfaceType = interfaceType;
        this.method = method;
        this.camel = camel;
        this.httpMethod = httpMethod;
        this.path = path;
        this.safety = safety;
        this.resultType = resultType;
        this.nodes = List.copyOf(nodes);
    }

    /** The name of the only input node when it has no field table (an open node), else null. */
    public String openNode() {
        if (nodes.size() == 1 && !nodes.get(0).many && !nodes.get(0).hasFields) {
            return nodes.get(0).name;
        }
        return null;
    }

    /** Whether the answer is a file (9102 文件下载). */
    public boolean fileAnswer() {
        return "FileResult".equals(resultType);
    }
}
