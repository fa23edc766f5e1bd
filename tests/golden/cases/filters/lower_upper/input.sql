{{ 'MiXeD 1' | lower }} {{ 'MiXeD 1' | upper }}
