"""The bureau simulator: an offline 国家医保信息平台 with a documented fund split and synthetic seed data."""
