{% set shout | upper %}hello {{ 'world' }}{% endset %}{{ shout }}
