{{ 'Abc'.upper() }} {{ 'Abc'.lower() }}
