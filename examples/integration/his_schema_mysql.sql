-- 示例 HIS 表（MySQL 8 / MariaDB 10.6+）：mapping.example.yaml 映射的门诊挂号表。
--   mysql his < his_schema_mysql.sql
CREATE TABLE IF NOT EXISTS outpatient_register (
    register_id   BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    person_no     VARCHAR(30)  NOT NULL,
    insutype      VARCHAR(6),
    cert_no       VARCHAR(50)  NOT NULL,
    patient_name  VARCHAR(50)  NOT NULL,
    doctor_code   VARCHAR(30)  NOT NULL,
    doctor_name   VARCHAR(50)  NOT NULL,
    dept_code     VARCHAR(30)  NOT NULL,
    dept_name     VARCHAR(100) NOT NULL,
    caty          VARCHAR(6)   NOT NULL,
    register_time DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
    status        CHAR(1)      NOT NULL DEFAULT '1',
    mdtrt_id      VARCHAR(30)
) DEFAULT CHARSET = utf8mb4;
